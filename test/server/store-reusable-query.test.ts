import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReusableQuery } from '../../src-server/store/db.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { mailedCode, methodOf, startReset, userWithEmail } from '../helpers/reset-helpers.js';

/**
 * The hot paths run queries compiled once (ReusableQuery): each run must bind its own values,
 * on SQLite and PostgreSQL alike (one compiled form per store), and a query that cannot be
 * reused must be refused when it is first compiled.
 */
const setting = new ReusableQuery<{ key: string }, { value: string }>((db, v) => db.selectFrom('settings').select('value').where('key', '=', v.key));
const putSetting = new ReusableQuery<{ key: string; value: string; at: number }, never>((db, v) => db.insertInto('settings').values({ key: v.key, value: v.value, updated_at: v.at }));

async function bindsFreshValues(t: TestServer) {
  const db = t.server.services.db;
  await db.transaction().execute(async (trx) => {
    expect(await putSetting.affected(trx, { key: 'rq-a', value: 'first', at: 1 })).toBe(1);
    await putSetting.run(trx, { key: 'rq-b', value: 'second', at: 2 });
  });
  expect((await setting.first(db, { key: 'rq-a' }))?.value).toBe('first');
  expect((await setting.first(db, { key: 'rq-b' }))?.value).toBe('second');
  expect(await setting.first(db, { key: 'rq-none' })).toBeUndefined();
}

/** A one-method reset end to end: session, challenge, verify (passGate), new password. */
async function resetsByEmail(t: TestServer, username: string) {
  const { address } = await userWithEmail(t, username);
  const s = await startReset(t, username);
  const before = t.smtp.mails.length;
  const ch = await t.api('POST', '/reset/session/challenges', { token: s.sessionToken, body: { methodId: methodOf(s, 'email') } });
  expect(ch.status).toBe(201);
  const code = await mailedCode(t, address, before);
  const v = await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: s.sessionToken, body: { code } });
  expect(v.body).toEqual({ gatesPassed: 1, requiredMethods: 1, complete: true, session: expect.objectContaining({ state: 'ready', gatesPassed: 1 }) });
  const done = await t.api('POST', '/reset/session/password', { token: s.sessionToken, body: { newPassword: 'Quiet-Meadow-Lantern-42', unlockAccount: true } });
  expect(done.status).toBe(200);
}

describe('reusable queries', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuse placeholders spread as a whole, or used where no value goes', () => {
    const spread = new ReusableQuery<{ key: string; value: string; updated_at: number }, never>((db, v) => db.insertInto('settings').values(v));
    const unused = new ReusableQuery<{ key: string; other: string }, { value: string }>((db, v) => {
      void v.other;
      return db.selectFrom('settings').select('value').where('key', '=', v.key);
    });
    return Promise.all([
      expect(t.server.services.db.transaction().execute((trx) => spread.run(trx, { key: 'x', value: 'y', updated_at: 0 }))).rejects.toThrow(/cannot be spread/),
      expect(unused.rows(t.server.services.db, { key: 'x', other: 'y' })).rejects.toThrow(/`other` is not used as a value/),
    ]);
  });

  it('bind fresh values on every run (SQLite)', () => bindsFreshValues(t));
  it('R2 / R13: a reset by emailed code passes its gate (SQLite)', () => resetsByEmail(t, 'rq-sqlite'));
});

describe('reusable queries on PostgreSQL', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ postgres: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('bind fresh values on every run, compiled for PostgreSQL in the same process as SQLite', () => bindsFreshValues(t));
  it('R2 / R13: a reset by emailed code passes its gate (PostgreSQL, session row locked FOR UPDATE)', () => resetsByEmail(t, 'rq-pg'));
});
