import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, type Compilable, type CompiledQuery, type DialectAdapter, type QueryResult, type Transaction } from 'kysely';
import pg from 'pg';
import { startBackgroundCheckpoints, type Checkpointer } from './checkpointer.js';
import { GroupCommitSqliteDialect } from './group-commit.js';
import { migrationProvider, type SqlDialect } from './migrations.js';
import type { Database } from './schema.js';
import { makePrivateFiles } from './private-files.js';
import { StoreUnavailableError } from './store-outage.js';

export type Db = Kysely<Database>;
type Conn = Db | Transaction<Database>;

export interface Store {
  db: Db;
  dialect: SqlDialect;
  close(): Promise<void>;
}

// BIGINT columns hold epoch milliseconds, well inside Number's exact range.
pg.types.setTypeParser(20, (v) => Number(v));

/** Stands where a named value goes while a reusable query compiles. */
class Slot {
  constructor(readonly name: string) {}
}

/**
 * A hot query built and compiled once per store, then run with fresh values. Kysely
 * otherwise rebuilds, freezes and recompiles the query tree on every call, which costs
 * more than SQLite running a small query. `build` gets placeholders for its values and
 * must use each one as a value only; its SQL must not depend on them (no `in` lists, no
 * optional clauses).
 */
export class ReusableQuery<Values extends Record<string, unknown>, Row> {
  /** Per dialect adapter, i.e. per store: SQLite and PostgreSQL compile differently. */
  private readonly compiled = new WeakMap<DialectAdapter, { query: CompiledQuery<Row>; parameters: readonly unknown[] }>();

  constructor(private readonly build: (conn: Conn, values: Values) => Compilable<Row>) {}

  private template(conn: Conn) {
    const adapter = conn.getExecutor().adapter;
    let t = this.compiled.get(adapter);
    if (!t) {
      const used = new Set<string>();
      const slots = new Proxy({} as Values, {
        get: (_target, name) => (used.add(String(name)), new Slot(String(name))),
        ownKeys: () => {
          throw new Error('reusable query: name each value (`v.x`); the placeholders cannot be spread or listed');
        },
      });
      const query = this.build(conn, slots).compile();
      const placed = new Set(query.parameters.filter((p): p is Slot => p instanceof Slot).map((p) => p.name));
      for (const name of used) if (!placed.has(name)) throw new Error(`reusable query: \`${name}\` is not used as a value in ${query.sql}`);
      t = { query, parameters: query.parameters };
      this.compiled.set(adapter, t);
    }
    return t;
  }

  run(conn: Conn, values: Values): Promise<QueryResult<Row>> {
    const t = this.template(conn);
    const parameters = t.parameters.map((p) => (p instanceof Slot ? values[p.name] : p));
    return conn.executeQuery<Row>({ ...t.query, parameters });
  }

  async rows(conn: Conn, values: Values): Promise<Row[]> {
    return (await this.run(conn, values)).rows;
  }

  async first(conn: Conn, values: Values): Promise<Row | undefined> {
    return (await this.run(conn, values)).rows[0];
  }

  /** Rows an insert, update or delete touched. */
  async affected(conn: Conn, values: Values): Promise<number> {
    return Number((await this.run(conn, values)).numAffectedRows ?? 0n);
  }
}

/** The longest a request waits for a free PostgreSQL connection before answering store_unavailable. */
const POOL_WAIT_MS = 60_000;

/** Readiness: one cheap read proves the database answers. */
export async function storeAnswers(db: Db): Promise<void> {
  await db.selectFrom('settings').select('key').limit(1).execute();
}

export interface StoreOptions {
  /** Deadline of one store operation: SQLite's busy wait, PostgreSQL's connect and statement. */
  timeoutMs?: number;
  /** Told of a PostgreSQL connection that failed while idle in the pool (the pool replaces it). */
  onConnectionError?: (error: Error) => void;
}

/** Opens the store named by `sqlite:path` / `postgres://…` and runs pending migrations. */
export async function openStore(databaseUrl: string, options: StoreOptions = {}): Promise<Store> {
  const timeoutMs = options.timeoutMs ?? 5000;
  let db: Db;
  let dialect: SqlDialect;
  let checkpointer: Checkpointer | null = null;
  if (databaseUrl.startsWith('sqlite:')) {
    const file = databaseUrl.slice('sqlite:'.length);
    if (file !== ':memory:') {
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
      // SQLite gives the -wal and -shm files the database file's mode.
      makePrivateFiles(file, `${file}-wal`, `${file}-shm`);
    }
    const sqlite = new SqliteDatabase(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma(`busy_timeout = ${Math.trunc(timeoutMs)}`);
    sqlite.pragma('foreign_keys = ON');
    // Each unit's savepoint keeps a sub-journal of the pages it changes: on disk, that is a
    // temp file created, unlinked, written and closed per transaction (issue 12).
    sqlite.pragma('temp_store = MEMORY');
    if (file !== ':memory:') {
      sqlite.pragma('wal_autocheckpoint = 0');
      checkpointer = startBackgroundCheckpoints(file, () => sqlite.open && sqlite.pragma('wal_autocheckpoint = 1000'));
    }
    db = new Kysely<Database>({ dialect: new GroupCommitSqliteDialect(sqlite) });
    dialect = 'sqlite';
  } else {
    // Connecting has the store deadline; waiting for a free pooled connection under a burst
    // is not an outage, so it has a deadline of its own, far longer.
    class DeadlineClient extends pg.Client {
      constructor(config?: pg.ClientConfig) {
        super({ ...config, connectionTimeoutMillis: timeoutMs });
      }
    }
    const pool = new pg.Pool({
      connectionString: databaseUrl,
      max: 10,
      Client: DeadlineClient,
      connectionTimeoutMillis: POOL_WAIT_MS,
      statement_timeout: timeoutMs,
      // The client-side deadline also covers a server that stopped answering mid-query.
      query_timeout: timeoutMs + 1000,
      keepAlive: true,
    });
    // Without listeners, a connection dropped by the server (a restart, a failover) is an
    // uncaught 'error' event and the process exits: the pool's for idle connections, each
    // client's while it is checked out (its query then fails and the pool discards it).
    pool.on('error', (e) => options.onConnectionError?.(e));
    pool.on('connect', (client) => client.on('error', (e) => options.onConnectionError?.(e)));
    db = new Kysely<Database>({
      dialect: new PostgresDialect({
        pool: {
          connect: () => pool.connect().catch((e: unknown) => Promise.reject(new StoreUnavailableError(e))),
          end: () => pool.end(),
        },
      }),
    });
    dialect = 'postgres';
  }
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error } = await migrator.migrateToLatest();
  const close = async () => {
    await checkpointer?.stop();
    await db.destroy();
  };
  if (error) {
    await close();
    throw new Error(`store migration failed: ${(error as Error).message}`);
  }
  return { db, dialect, close };
}
