import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src-server/store/db.js';

/**
 * The SQLite store commits several units (transactions, or statements outside one) at once.
 * Each must still be atomic on its own, and durable — visible to another connection — by the
 * time its promise resolves; if the shared commit fails, every unit in it must fail.
 */
let dir: string;
let file: string;
let store: Store;
let other: SqliteDatabase.Database;
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sspr-group-commit-'));
  file = path.join(dir, 'sspr.db');
  store = await openStore(`sqlite:${file}`);
  other = new SqliteDatabase(file, { readonly: true });
});
afterEach(async () => {
  other.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const put = (key: string, value = 'v') => store.db.insertInto('settings').values({ key, value, updated_at: 0 }).execute();
/** What a second connection sees: only committed rows. */
const committed = (key: string) => other.prepare('select value from settings where key = ?').get(key) as { value: string } | undefined;

describe('group commit (SQLite)', () => {
  it("keeps each unit's savepoint journal in memory: no temp file is made, written and unlinked per transaction (issue 12)", async () => {
    const { rows } = await sql<{ temp_store: number }>`pragma temp_store`.execute(store.db);
    expect(rows[0]?.temp_store).toBe(2);
  });

  it('a write is committed when its promise resolves, also with many in flight', async () => {
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        if (i % 2) await put(`solo-${i}`);
        else await store.db.transaction().execute(async (trx) => {
          await trx.insertInto('settings').values({ key: `trx-${i}`, value: 'a', updated_at: 0 }).execute();
          await trx.updateTable('settings').set({ value: 'b' }).where('key', '=', `trx-${i}`).execute();
        });
        // Checked before any other work can run: the commit happened before we resumed.
        expect(committed(i % 2 ? `solo-${i}` : `trx-${i}`)?.value).toBe(i % 2 ? 'v' : 'b');
      }),
    );
    expect((other.prepare('select count(*) as n from settings').get() as { n: number }).n).toBe(200);
  });

  it('a write that returns rows (RETURNING) is committed when its promise resolves too, also among others in flight', async () => {
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        if (i % 2) await put(`plain-${i}`);
        else {
          const rows = await store.db.insertInto('settings').values({ key: `returning-${i}`, value: 'r', updated_at: 0 }).returning('key').execute();
          expect(rows).toEqual([{ key: `returning-${i}` }]);
          expect(committed(`returning-${i}`)?.value).toBe('r');
        }
      }),
    );
    const deleted = await store.db.deleteFrom('settings').where('key', 'like', 'returning-%').returning('key').execute();
    expect(deleted).toHaveLength(100);
    expect(committed('returning-0')).toBeUndefined();
  });

  it('under load a batch waits a turn or two for the next units; alone a unit commits at once (issue 12)', async () => {
    /** Writes `first`, and `second` two turns of the event loop later: was `second` committed with `first`? */
    const secondJoins = async (first: string, second: string) => {
      let joined: boolean | undefined;
      const later = new Promise<void>((resolve, reject) => setImmediate(() => setImmediate(() => put(second).then(() => resolve(), reject))));
      await put(first).then(() => (joined = committed(second) !== undefined));
      await later;
      expect(committed(second)?.value).toBe('v');
      return joined;
    };
    // Alone: nothing waits, the first write commits before the second is made.
    await put('alone-0');
    expect(await secondJoins('alone-1', 'alone-2')).toBe(false);
    // Now and then two writes in one turn: no load yet.
    await Promise.all([put('pair-0'), put('pair-1')]);
    expect(await secondJoins('pair-2', 'pair-3')).toBe(false);
    // Commit after commit shared by three: the store is under load.
    for (let i = 0; i < 8; i++) await Promise.all([put(`busy-${i}-a`), put(`busy-${i}-b`), put(`busy-${i}-c`)]);
    expect(await secondJoins('busy-held', 'busy-joined')).toBe(true);
    // Commits of one unit each again: a write alone commits at once.
    for (let i = 0; i < 8; i++) await put(`calm-${i}`);
    expect(await secondJoins('calm-first', 'calm-second')).toBe(false);
  });

  it('a transaction that fails rolls back alone; the others sharing its commit keep their writes', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        store.db.transaction().execute(async (trx) => {
          await trx.insertInto('settings').values({ key: `k-${i}`, value: 'x', updated_at: 0 }).execute();
          if (i % 3 === 0) throw new Error(`unit ${i} fails`);
        }),
      ),
    );
    results.forEach((r, i) => {
      expect(r.status).toBe(i % 3 === 0 ? 'rejected' : 'fulfilled');
      expect(committed(`k-${i}`)?.value).toBe(i % 3 === 0 ? undefined : 'x');
    });
  });

  it('a constraint error outside a transaction fails that statement only', async () => {
    await put('dup');
    const [a, b, c] = await Promise.allSettled([put('before'), put('dup'), put('after')]);
    expect([a.status, b.status, c.status]).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(committed('before')).toBeDefined();
    expect(committed('after')).toBeDefined();
  });

  it('when SQLite drops the shared transaction, every unit that wrote in it fails', async () => {
    // A rollback issued behind the driver's back stands for SQLite aborting the transaction
    // itself (I/O error, disk full): the units already done in it must not be told they succeeded.
    const first = put('lost-1');
    const second = store.db.transaction().execute(async (trx) => {
      await trx.insertInto('settings').values({ key: 'lost-2', value: 'x', updated_at: 0 }).execute();
    });
    const dropper = sql`rollback`.execute(store.db).catch(() => undefined);
    const [r1, r2] = await Promise.allSettled([first, second, dropper]);
    expect(r1.status).toBe('rejected');
    expect(r2.status).toBe('rejected');
    expect(committed('lost-1')).toBeUndefined();
    expect(committed('lost-2')).toBeUndefined();
    // The store goes on.
    await put('after-loss');
    expect(committed('after-loss')).toBeDefined();
  });
  it("a transaction lost with its shared commit does not undo the next unit's work when it is rolled back", async () => {
    // Kysely rolls a transaction back when its commit fails, which here comes late: the
    // connection may by then be inside another unit's transaction, which must keep its writes.
    const lost = store.db.transaction().execute(async (trx) => {
      await trx.insertInto('settings').values({ key: 'lost-a', value: 'x', updated_at: 0 }).execute();
    });
    const dropper = sql`rollback`.execute(store.db);
    const next = store.db.transaction().execute(async (trx) => {
      await trx.insertInto('settings').values({ key: 'next-1', value: 'x', updated_at: 0 }).execute();
      await new Promise((turn) => setTimeout(turn, 5));
      await trx.insertInto('settings').values({ key: 'next-2', value: 'x', updated_at: 0 }).execute();
    });
    const [r1, , r3] = await Promise.allSettled([lost, dropper, next]);
    expect(r1.status).toBe('rejected');
    expect(r3.status).toBe('fulfilled');
    expect(committed('lost-a')).toBeUndefined();
    expect(committed('next-1')?.value).toBe('x');
    expect(committed('next-2')?.value).toBe('x');
  });
});

describe('WAL checkpoints (SQLite)', () => {
  it('are made off the event loop: committed pages reach the database file while the server connection never checkpoints', async () => {
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(store.db);
    expect(rows[0]?.wal_autocheckpoint).toBe(0);
    const size = () => statSync(file).size;
    const before = size();
    const blob = 'x'.repeat(3000);
    // ~6 MB of committed pages: more than SQLite's own 1000-page checkpoint threshold.
    for (let i = 0; i < 20; i++) {
      await Promise.all(Array.from({ length: 100 }, (_, j) => put(`big-${i}-${j}`, blob)));
    }
    const deadline = Date.now() + 5000;
    while (size() < before + 5_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(size()).toBeGreaterThan(before + 5_000_000);
  });
});
