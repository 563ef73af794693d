import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { methodOf, userWithEmail } from '../helpers/reset-helpers.js';

/**
 * Issue 11 item 5: expired sessions, challenges, approvals, refresh tokens, Temporary Access
 * Passes and API tokens (expired or revoked) are purged on
 * schedule, by one instance per hour even when several share the store (two servers on one
 * PostgreSQL here), and nothing still alive goes.
 */

let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  a = await startTestServer({ postgres: true });
  b = await startTestServer({ env: { SSPR_DATABASE_URL: a.pg!.url } });
}, 60_000);
afterAll(async () => {
  await b?.close();
  await a?.close();
});

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

async function counts(t: TestServer) {
  const db = t.server.services.db;
  const n = async (table: 'reset_sessions' | 'challenges' | 'approvals' | 'refresh_tokens') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return { resetSessions: await n('reset_sessions'), challenges: await n('challenges'), approvals: await n('approvals'), refreshTokens: await n('refresh_tokens') };
}

/** Runs both instances' purge at once: exactly one may claim the hour. */
async function purgeOnBoth() {
  const results = await Promise.all([a.server.expiredPurge.runOnce(), b.server.expiredPurge.runOnce()]);
  expect(results.filter((r) => r === null)).toHaveLength(1);
  return results.find((r) => r !== null)!;
}

function advance(ms: number) {
  a.clock.advance(ms);
  b.clock.advance(ms);
}

describe('purge of expired rows', () => {
  it('removes what expired a day ago, once across two instances, and keeps what lives', async () => {
    await userWithEmail(a, 'purge-user');
    const session = (await a.api('POST', '/reset/sessions', { body: { username: 'purge-user' } })).body;
    expect((await a.api('POST', '/reset/session/challenges', { token: session.sessionToken, body: { methodId: methodOf(session, 'email') } })).status).toBe(201);
    expect((await b.api('POST', '/reset/sessions', { body: { username: 'nobody-here' } })).status).toBe(201);
    const now = a.clock.now().getTime();
    await a.server.services.db
      .insertInto('approvals')
      .values({ id: 'ap-old', subject_id: 'x', challenge_id: 'c', number: 42, status: 'pending', client: 'test', created_at: now, expires_at: now + 2 * MINUTE, decided_at: null })
      .execute();
    const signIn = (await a.api('POST', '/auth/sign-in', { body: { username: 'purge-user', password: 'Initial-Passw0rd!' } })).body;
    const refreshed = (await b.api('POST', '/auth/refresh', { body: { refreshToken: signIn.refreshToken } })).body;
    expect(refreshed.refreshToken).toMatch(/^rt_/);
    const before = await counts(a);

    // Not yet a day past expiry: nothing goes.
    advance(20 * MINUTE);
    expect(await purgeOnBoth()).toEqual({ resetSessions: 0, challenges: 0, approvals: 0, refreshTokens: 0, accessPasses: 0, apiTokens: 0 });
    expect(await counts(a)).toEqual(before);

    advance(DAY + 10 * MINUTE);
    const fresh = (await a.api('POST', '/reset/sessions', { body: { username: 'purge-user' } })).body;
    const first = await purgeOnBoth();
    expect(first).toMatchObject({ resetSessions: 2, challenges: 1, approvals: 1, refreshTokens: 0 });
    // The same hour is claimed: neither instance purges again.
    expect(await Promise.all([a.server.expiredPurge.runOnce(), b.server.expiredPurge.runOnce()])).toEqual([null, null]);
    expect(await counts(a)).toEqual({ resetSessions: 1, challenges: 0, approvals: 0, refreshTokens: 2 });
    expect((await a.api('GET', '/reset/session', { token: fresh.sessionToken })).status).toBe(200);

    // A rotated-away token of a live family is kept: its replay still revokes the family.
    expect((await a.api('POST', '/auth/refresh', { body: { refreshToken: signIn.refreshToken } })).status).toBe(401);
    expect((await a.api('POST', '/auth/refresh', { body: { refreshToken: refreshed.refreshToken } })).status).toBe(401);

    advance(31 * DAY);
    expect(await purgeOnBoth()).toMatchObject({ resetSessions: 1, refreshTokens: 1 });
    expect(await counts(a)).toEqual({ resetSessions: 0, challenges: 0, approvals: 0, refreshTokens: 0 });
  }, 60_000);
});

describe('purge of expired rows on SQLite', () => {
  it('the same statements run on the default store', async () => {
    const t = await startTestServer();
    try {
      await userWithEmail(t, 'lite-user');
      const session = (await t.api('POST', '/reset/sessions', { body: { username: 'lite-user' } })).body;
      expect((await t.api('POST', '/reset/session/challenges', { token: session.sessionToken, body: { methodId: methodOf(session, 'email') } })).status).toBe(201);
      await t.api('POST', '/auth/sign-in', { body: { username: 'lite-user', password: 'Initial-Passw0rd!' } });
      t.clock.advance(31 * DAY + 20 * MINUTE);
      expect(await t.server.expiredPurge.runOnce()).toEqual({ resetSessions: 1, challenges: 1, approvals: 0, refreshTokens: 1, accessPasses: 0, apiTokens: 0 });
      expect(await t.server.expiredPurge.runOnce()).toBeNull();
    } finally {
      await t.close();
    }
  });
});

describe('purge of passes, API tokens and step-up proofs', () => {
  it('R31, R38, R26: an access pass and an API token go a day after they expired (a token also after its revocation), a step-up proof with its sign-in; live ones stay', async () => {
    const t = await startTestServer();
    try {
      const db = t.server.services.db;
      const n = async (table: 'access_passes' | 'api_tokens' | 'step_ups') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      await userWithEmail(t, 'pass-user');
      expect((await t.api('POST', '/admin/users/pass-user/access-pass', { token: t.adminToken, body: { lifetimeMinutes: 60 } })).status).toBe(201);
      const now = t.clock.now().getTime();
      const token = (id: string, o: { expiresAt: number; revokedAt?: number }) => ({
        id, name: `purge-${id}`, token_hash: `hash-${id}`, scopes: 'reports:read', created_by: 'test', created_at: now, expires_at: o.expiresAt, last_used_at: null, revoked_at: o.revokedAt ?? null,
      });
      await db.insertInto('api_tokens').values([token('live', { expiresAt: now + 365 * DAY }), token('revoked', { expiresAt: now + 365 * DAY, revokedAt: now }), token('expiring', { expiresAt: now + DAY })]).execute();
      const signIn = (await t.api('POST', '/auth/sign-in', { body: { username: 'pass-user', password: 'Initial-Passw0rd!' } })).body;
      expect(signIn.refreshToken).toMatch(/^rt_/);
      const { family, subject_id } = await db.selectFrom('refresh_tokens').select(['family', 'subject_id']).executeTakeFirstOrThrow();
      await db.insertInto('step_ups').values({ sign_in_id: family, subject_id, proven_at: now, how: 'email' }).execute();
      await db.insertInto('step_ups').values({ sign_in_id: 'another-sign-in', subject_id, proven_at: now, how: 'email' }).execute();

      // A day and an hour on: the pass expired less than a day ago, the revoked token a day and an hour ago.
      t.clock.advance(DAY + 60 * MINUTE);
      expect(await t.server.expiredPurge.runOnce()).toMatchObject({ accessPasses: 0, apiTokens: 1 });
      expect(await n('access_passes')).toBe(1);
      t.clock.advance(DAY);
      expect(await t.server.expiredPurge.runOnce()).toMatchObject({ accessPasses: 1, apiTokens: 1 });
      expect(await db.selectFrom('api_tokens').select('id').execute()).toEqual([{ id: 'live' }]);
      expect(await n('access_passes')).toBe(0);
      expect(await n('step_ups')).toBe(2);

      // The sign-in's family expires and goes, and its step-up proof with it; another sign-in's stays.
      t.clock.advance(40 * DAY);
      expect(await t.server.expiredPurge.runOnce()).toMatchObject({ refreshTokens: 1, apiTokens: 0 });
      expect(await db.selectFrom('step_ups').select('sign_in_id').execute()).toEqual([{ sign_in_id: 'another-sign-in' }]);
    } finally {
      await t.close();
    }
  });
});
