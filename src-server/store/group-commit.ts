import type SqliteDatabase from 'better-sqlite3';
import { SqliteDialect, type CompiledQuery, type DatabaseConnection, type Driver, type QueryResult } from 'kysely';

/** At most this many units share one commit, so a busy server still commits every few ms. */
const MAX_UNITS_PER_COMMIT = 64;
const PREPARED_STATEMENTS = 500;
const UNIT_SAVEPOINT = 'sspr_unit';
/**
 * Under load, a batch waits this many more turns of the event loop before it commits. Two
 * turns cut commits per password change at 8 concurrent by a third and the server's CPU
 * per change by 6–8 % (measured); a lone request never waits (issue 12).
 */
const TURNS_HELD_UNDER_LOAD = 2;
/** Load is when commits have lately held this many units on average (a lone request's are one each). */
const UNITS_PER_COMMIT_UNDER_LOAD = 2;

/** One SQLite transaction holding the work of several units, committed once for all. */
class Batch {
  units = 0;
  /** Turns of the event loop it was held for other requests' units. */
  turnsHeld = 0;
  readonly committed: Promise<void>;
  resolve!: () => void;
  reject!: (e: Error) => void;
  constructor() {
    this.committed = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A batch only rolled-back units ran in has nobody awaiting it.
    this.committed.catch(() => {});
  }
}

/** What Kysely holds between acquiring and releasing the connection: a transaction or a query. */
class Unit implements DatabaseConnection {
  /** The batch this unit wrote to or read from; it answers only once that batch is committed. */
  batch: Batch | null = null;
  finished = false;
  constructor(private readonly driver: GroupCommitDriver) {}

  executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    return Promise.resolve(this.driver.run<R>(this, query));
  }

  async *streamQuery<R>(query: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    for (const row of this.driver.iterate(this, query)) yield { rows: [row as R] };
  }
}

/**
 * Group commit for SQLite. Kysely runs one unit (a transaction, or a query outside one) at
 * a time on the single connection; here consecutive units share one SQLite transaction —
 * each transaction inside its own savepoint, so it still commits or rolls back alone — and
 * the transaction commits as soon as no unit is waiting for the connection — under load a
 * turn or two of the event loop later, so more requests share it — or after
 * MAX_UNITS_PER_COMMIT. A commit writes every page a unit touched (an audit event alone
 * touches nine b-trees), so sharing it saves most of that work under load, while an idle
 * server commits each unit at once.
 *
 * Units still run one after another, so each sees every earlier unit's writes, exactly as
 * with one commit each (the throttle counters of R11e stay exact). Nothing is answered
 * early: a unit that wrote or read inside a batch returns only after that batch is
 * durable, and if the commit fails, every unit in it fails.
 */
export class GroupCommitDriver implements Driver {
  private readonly statements = new Map<string, SqliteDatabase.Statement>();
  private readonly waiting: Array<() => void> = [];
  private busy = false;
  private batch: Batch | null = null;
  private commitScheduled = false;
  /** The scheduled commit found a unit running: it commits when that unit finishes. */
  private commitDue = false;
  /** Units per commit lately (a moving average): two or more, and other requests are writing too. */
  private recentUnitsPerCommit = 1;

  constructor(private readonly db: SqliteDatabase.Database) {}

  async init(): Promise<void> {}

  private prepare(sql: string): SqliteDatabase.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (this.statements.size >= PREPARED_STATEMENTS) this.statements.delete(this.statements.keys().next().value!);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private exec(sql: string): void {
    this.prepare(sql).run();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.busy) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.busy = true;
    return new Unit(this);
  }

  /** The open batch, opened now if needed (the write lock is taken at once: BEGIN IMMEDIATE). */
  private join(unit: Unit): void {
    this.assertBatchAlive(unit);
    if (!this.batch) {
      this.exec('begin immediate');
      this.batch = new Batch();
    }
    unit.batch = this.batch;
  }

  /**
   * SQLite rolls a whole transaction back by itself on some errors (I/O error, disk full):
   * every unit of the batch then fails, and this one at once if it was part of it.
   */
  private assertBatchAlive(unit: Unit): void {
    if (!this.batch || this.db.inTransaction) return;
    const lost = this.batch;
    const error = new Error('the store rolled back a group of transactions');
    this.batch = null;
    lost.reject(error);
    if (unit.batch === lost) throw error;
  }

  /** A statement that writes joins the batch, those returning rows (RETURNING) too: `reader` only says it returns rows. */
  private statementFor(unit: Unit, query: CompiledQuery): SqliteDatabase.Statement {
    const stmt = this.prepare(query.sql);
    if (!stmt.readonly) this.join(unit);
    return stmt;
  }

  run<R>(unit: Unit, query: CompiledQuery): QueryResult<R> {
    const stmt = this.statementFor(unit, query);
    if (stmt.reader) return { rows: stmt.all(query.parameters) as R[] };
    const { changes, lastInsertRowid } = stmt.run(query.parameters);
    return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
  }

  iterate(unit: Unit, query: CompiledQuery): IterableIterator<unknown> {
    return this.statementFor(unit, query).iterate(query.parameters);
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    this.join(connection as Unit);
    this.exec(`savepoint ${UNIT_SAVEPOINT}`);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    this.exec(`release ${UNIT_SAVEPOINT}`);
    await this.finish(connection as Unit, true);
  }

  /** Undoes this unit only; the batch goes on with the others'. */
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const unit = connection as Unit;
    // Its commit failed (Kysely rolls back then): its work went with its batch, and the
    // connection may be inside another unit's savepoint by now, which is not this one's to undo.
    if (unit.finished) return;
    try {
      this.assertBatchAlive(unit);
      this.exec(`rollback to ${UNIT_SAVEPOINT}`);
      this.exec(`release ${UNIT_SAVEPOINT}`);
    } catch {
      // The batch is gone already: nothing of this unit is left to undo.
    }
    await this.finish(unit, false);
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    this.exec(`savepoint "${name.replace(/"/g, '""')}"`);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    this.exec(`rollback to "${name.replace(/"/g, '""')}"`);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    this.exec(`release "${name.replace(/"/g, '""')}"`);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const unit = connection as Unit;
    if (!unit.finished) await this.finish(unit, true);
  }

  /**
   * The unit is done. The batch commits once the current turn of the event loop has let
   * every request that is ready run its units (or at once when it is full); a unit that
   * wrote returns after that commit.
   */
  private async finish(unit: Unit, awaitCommit: boolean): Promise<void> {
    unit.finished = true;
    const batch = unit.batch;
    if (batch && batch === this.batch) batch.units++;
    // Between units is the only safe point to commit: no savepoint is open.
    if (this.batch && (this.commitDue || this.batch.units >= MAX_UNITS_PER_COMMIT)) this.commit();
    const next = this.waiting.shift();
    if (next) next();
    else this.busy = false;
    if (this.batch && !this.commitScheduled) {
      this.commitScheduled = true;
      setImmediate(() => this.commitWhenIdle());
    }
    if (batch && awaitCommit) await batch.committed;
  }

  private commitWhenIdle(): void {
    this.commitScheduled = false;
    const batch = this.batch;
    if (!batch) return;
    // Under load (commits shared lately), the batch waits a turn or two, so requests whose
    // answers arrive then join this commit instead of starting the next (as PostgreSQL's
    // commit_delay does with commit_siblings). A lone request, or one that met another
    // only now and then, commits at once: its time does not hang on its neighbours' (R13b).
    if (this.recentUnitsPerCommit >= UNITS_PER_COMMIT_UNDER_LOAD && batch.turnsHeld < TURNS_HELD_UNDER_LOAD) {
      batch.turnsHeld++;
      this.commitScheduled = true;
      setImmediate(() => this.commitWhenIdle());
      return;
    }
    if (this.busy) this.commitDue = true;
    else this.commit();
  }

  private commit(): void {
    const batch = this.batch!;
    this.batch = null;
    this.commitDue = false;
    this.recentUnitsPerCommit += (batch.units - this.recentUnitsPerCommit) / 8;
    try {
      if (!this.db.inTransaction) throw new Error('the store rolled back a group of transactions');
      this.exec('commit');
      batch.resolve();
    } catch (e) {
      if (this.db.inTransaction) this.exec('rollback');
      batch.reject(e as Error);
    }
  }

  async destroy(): Promise<void> {
    if (this.batch && !this.busy) this.commit();
    this.db.close();
  }
}

/** Kysely's SQLite dialect with the group-committing driver. */
export class GroupCommitSqliteDialect extends SqliteDialect {
  constructor(private readonly sqlite: SqliteDatabase.Database) {
    super({ database: sqlite });
  }

  override createDriver(): Driver {
    return new GroupCommitDriver(this.sqlite);
  }
}
