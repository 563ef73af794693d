import { queryPlan } from '../helpers/query-plan.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrationProvider } from '../../src-server/store/migrations.js';

/**
 * Issue 12: the small tables every sign-in, change and reset writes are kept WITHOUT ROWID on
 * SQLite (one b-tree each, not two), rebuilt so by migration 015 with their rows and indexes.
 */
const REBUILT = ['refresh_tokens', 'token_versions', 'notices', 'password_write_intents', 'password_intents'];

let dir: string;
let db: Kysely<any>;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sspr-without-rowid-'));
  db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SqliteDatabase(path.join(dir, 'sspr.db')) }) });
});
afterEach(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const definitions = async () => (await sql<{ name: string; type: string; sql: string | null }>`select name, type, sql from sqlite_master where tbl_name in (${sql.join(REBUILT)}) order by name`.execute(db)).rows;

describe('tables without rowid (SQLite, issue 12)', () => {
  it('an existing store keeps every row, key, unique constraint and index through the rebuild', async () => {
    const migrator = new Migrator({ db, provider: migrationProvider('sqlite') });
    expect((await migrator.migrateTo('014_audit_indexes_unread')).error).toBeUndefined();
    const token = { id: 'r1', subject_id: 'u1', token_hash: 'h1', family: 'f1', client: 'kiosk', created_at: 1, expires_at: 2, revoked_at: null };
    await db.insertInto('refresh_tokens').values([token, { ...token, id: 'r2', token_hash: 'h2', revoked_at: 5 }]).execute();
    await db.insertInto('token_versions').values({ subject_id: 'u1', version: 3 }).execute();
    await db.insertInto('notices').values({ id: 'n1', kind: 'mail', payload: 'v1.x', created_at: 1, next_attempt_at: 1, attempts: 2, claimed_by: null, claimed_until: null, expires_at: 9 }).execute();
    await db.insertInto('password_write_intents').values({ id: 'w1', user_id: 'u1', detail: 'v1.y', created_at: 1, settle_after: 2 }).execute();
    await db.insertInto('password_intents').values({ session_id: 's1', user_id: 'u1', detail: '{}', created_at: 1, expires_at: 2 }).execute();
    const before = await Promise.all(REBUILT.map((t) => db.selectFrom(t).selectAll().execute()));

    expect((await migrator.migrateToLatest()).error).toBeUndefined();
    expect(await Promise.all(REBUILT.map((t) => db.selectFrom(t).selectAll().execute()))).toEqual(before);
    const objects = await definitions();
    for (const table of REBUILT) expect(objects.find((o) => o.name === table)?.sql).toMatch(/\) without rowid$/);
    expect(objects.filter((o) => o.type === 'index').map((o) => o.name)).toEqual(['notices_due', 'refresh_tokens_family', 'refresh_tokens_subject', 'sqlite_autoindex_refresh_tokens_2']);
    // The key and the unique token hash still hold.
    await expect(db.insertInto('refresh_tokens').values({ ...token, token_hash: 'h9' }).execute()).rejects.toThrow(/UNIQUE/);
    await expect(db.insertInto('refresh_tokens').values({ ...token, id: 'r9' }).execute()).rejects.toThrow(/UNIQUE/);
    expect(await queryPlan(db, "select id from refresh_tokens where token_hash = 'h1'")).toMatch(/USING INDEX sqlite_autoindex_refresh_tokens_2/);
    expect(await queryPlan(db, "select id from refresh_tokens where family = 'f1'")).toMatch(/USING (COVERING )?INDEX refresh_tokens_family/);
    expect(await queryPlan(db, "select version from token_versions where subject_id = 'u1'")).toMatch(/USING PRIMARY KEY/);
  });
});
