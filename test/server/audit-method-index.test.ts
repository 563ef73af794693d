import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src-server/audit/audit-log.js';
import { ManualClock } from '../../src-server/clock.js';
import { AuditEventStore } from '../../src-server/store/audit-event-store.js';
import { openStore, type Store } from '../../src-server/store/db.js';
import { migrationProvider } from '../../src-server/store/migrations.js';
import { queryEvents } from '../../src-server/store/report-query.js';
import { startPostgres, type PostgresPeer } from '../helpers/postgres.js';
import { queryPlan } from '../helpers/query-plan.js';

/**
 * Issue 12, R17b: the report index on method holds only the events that name a method, so a
 * sign-in, a change or an administrator's action writes one b-tree fewer; a report filtered by
 * method still reads that index, on both dialects, and finds the same events.
 */

/** Events as the flows write them: most without a method, verifications with one. */
async function writeEvents(store: Store): Promise<void> {
  const audit = new AuditLog(new ManualClock(), new AuditEventStore(store));
  for (const type of ['auth.signin', 'password.change', 'reset.started', 'reset.password', 'auth.signin', 'admin.policy'] as const) {
    await audit.write(store.db, { type, user: 'nina', result: 'success', client: '10.0.0.1' });
  }
  await audit.write(store.db, { type: 'reset.verify', user: 'nina', method: 'email', result: 'success', client: '10.0.0.1' });
  await audit.write(store.db, { type: 'reset.verify', user: 'olaf', method: 'email', result: 'failure', client: '10.0.0.2' });
  await audit.write(store.db, { type: 'reset.verify', user: 'olaf', method: 'mobilePhone', result: 'success', client: '10.0.0.2' });
}

const BY_METHOD = "select * from audit_events where category = 'activity' and method = 'email' order by at desc, id desc limit 51";

describe('the audit method index keeps only events with a method (issue 12, R17b)', () => {
  it('SQLite: an existing store keeps its events; the index holds the four that name a method, and a method filter seeks on it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sspr-method-index-'));
    const file = path.join(dir, 'sspr.db');
    try {
      // Events written before the migration are carried over too.
      const before = new Kysely<any>({ dialect: new SqliteDialect({ database: new SqliteDatabase(file) }) });
      expect((await new Migrator({ db: before, provider: migrationProvider('sqlite') }).migrateTo('015_fewer_pages_per_write')).error).toBeUndefined();
      await before.insertInto('audit_events').values({ at: 1, type: 'reset.verify', category: 'activity', username: 'old', actor: null, method: 'email', result: 'success', client: null, detail: null }).execute();
      await before.insertInto('audit_events').values({ at: 2, type: 'auth.signin', category: 'activity', username: 'old', actor: null, method: null, result: 'success', client: null, detail: null }).execute();
      await before.destroy();

      const store = await openStore(`sqlite:${file}`);
      try {
        await writeEvents(store);
        const entries = await sql<{ n: number }>`select sum(ncell) as n from dbstat where name = 'audit_cat_method_at' and pagetype = 'leaf'`.execute(store.db);
        expect(Number(entries.rows[0]!.n)).toBe(4);
        expect(await store.db.selectFrom('audit_events').select('id').execute()).toHaveLength(11);
        expect(await queryPlan(store.db, BY_METHOD)).toMatch(/USING INDEX audit_cat_method_at \(category=\? AND method=\?\)/);
        const { rows } = await queryEvents(store, { category: 'activity', method: 'email' }, { sort: 'desc', limit: 50 });
        expect(rows.map((r) => r.username)).toEqual(['olaf', 'nina', 'old']);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('PostgreSQL', () => {
    let pg: PostgresPeer;
    let store: Store;
    beforeAll(async () => {
      pg = await startPostgres();
      store = await openStore(pg.url);
      await writeEvents(store);
    });
    afterAll(async () => {
      await store?.close();
      pg?.stop();
    });

    it('the index is partial, and a method filter reads it (sequential scans off: the table is tiny)', async () => {
      const def = await sql<{ indexdef: string }>`select indexdef from pg_indexes where indexname = 'audit_cat_method_at'`.execute(store.db);
      expect(def.rows[0]?.indexdef).toMatch(/WHERE \(method IS NOT NULL\)/);
      const plan = await store.db.connection().execute(async (conn) => {
        await sql`set enable_seqscan = off`.execute(conn);
        const rows = (await sql.raw<{ 'QUERY PLAN': string }>(`explain ${BY_METHOD}`).execute(conn)).rows.map((r) => r['QUERY PLAN']).join(' | ');
        await sql`reset enable_seqscan`.execute(conn);
        return rows;
      });
      expect(plan).toMatch(/audit_cat_method_at/);
      const { rows } = await queryEvents(store, { category: 'activity', method: 'email' }, { sort: 'desc', limit: 50 });
      expect(rows.map((r) => r.username)).toEqual(['olaf', 'nina']);
    });
  });
});
