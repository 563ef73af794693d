import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { methodOf, passEmailGate, startReset, userWithEmail } from '../helpers/reset-helpers.js';

const PW = 'Initial-Passw0rd!';
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

async function lockOut(username: string) {
  for (let i = 0; i < 10; i++) await t.api('POST', '/auth/sign-in', { body: { username, password: `wrong-${i}` } });
  expect((await t.api('GET', `/admin/users/${username}`, { token: t.adminToken })).body.locked).toBe(true);
}

/** A reset session with its one gate (email) passed. */
async function verified(username: string, address: string): Promise<string> {
  const s = await startReset(t, username);
  expect((await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), address)).body).toMatchObject({ complete: true });
  return s.sessionToken;
}

const unlock = (token: string) => t.api('POST', '/reset/session/unlock', { token });

describe('unlock without a new password (R37)', () => {
  it('R37: off by default — the session does not offer it and the call is refused', async () => {
    const { address } = await userWithEmail(t, 'ulk0');
    await lockOut('ulk0');
    const token = await verified('ulk0', address);
    const state = await t.api('GET', '/reset/session', { token });
    expect(state.body.state).toBe('ready');
    expect(state.body.accountLocked).toBeUndefined();
    const r = await unlock(token);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('forbidden');
  });

  it('R37, R17a, R22: when on, a locked user verifies, unlocks, keeps the password, and is told; audited', async () => {
    await t.setPolicy((p) => (p.sspr.unlockOnly = true));
    t.server.services.policy.invalidate();
    const { address } = await userWithEmail(t, 'ulk1');
    await lockOut('ulk1');
    const s = await startReset(t, 'ulk1');
    // Not before the gates: nothing about the account shows yet.
    expect((await t.api('GET', '/reset/session', { token: s.sessionToken })).body.accountLocked).toBeUndefined();
    expect((await unlock(s.sessionToken)).body.code).toBe('gates_incomplete');
    await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), address);
    expect((await t.api('GET', '/reset/session', { token: s.sessionToken })).body).toMatchObject({ state: 'ready', accountLocked: true });

    const r = await unlock(s.sessionToken);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.unlockedAt).toBe(t.clock.now().toISOString());
    expect((await t.api('GET', '/admin/users/ulk1', { token: t.adminToken })).body.locked).toBe(false);
    expect((await t.api('POST', '/auth/sign-in', { body: { username: 'ulk1', password: PW } })).status).toBe(200);
    // The session is finished: it cannot unlock again or set a password.
    expect((await unlock(s.sessionToken)).body.code).toBe('session_expired');
    const ev = await t.server.services.db.selectFrom('audit_events').selectAll().where('type', '=', 'reset.unlock').where('username', '=', 'ulk1').executeTakeFirstOrThrow();
    expect(ev.result).toBe('success');
    expect(JSON.parse(ev.detail!)).toMatchObject({ unlockOnly: true });
    const mail = await t.smtp.waitFor('ulk1@corp.example', (m) => /unlocked/.test(m.subject ?? ''));
    expect(mail.text).toContain('Your password did not change.');
  });

  it('R37, R22: the unlock notice goes through the outbox: with the relay down the unlock still answers, and the notice follows once the relay is back', async () => {
    await t.setPolicy((p) => (p.sspr.unlockOnly = true));
    t.server.services.policy.invalidate();
    const { address } = await userWithEmail(t, 'ulk5');
    await lockOut('ulk5');
    const token = await verified('ulk5', address);
    t.smtp.refuse = true;
    try {
      expect((await unlock(token)).status).toBe(200);
      // Each of the owner's addresses refused once, kept for a retry after its backoff.
      await expect.poll(async () => (await t.server.services.db.selectFrom('notices').select('attempts').execute()).map((n) => n.attempts), { timeout: 5000 }).toEqual([1, 1]);
    } finally {
      t.smtp.refuse = false;
    }
    expect(t.smtp.mails.some((m) => /unlocked/.test(m.subject ?? '') && JSON.stringify(m.to).includes('ulk5@corp.example'))).toBe(false);
    t.clock.advance(10_000);
    const mail = await t.smtp.waitFor('ulk5@corp.example', (m) => /unlocked/.test(m.subject ?? ''), 12_000);
    expect(mail.text).toContain('Your password did not change.');
  }, 20_000);

  it('R37, R13b: past the last gate the verify answer itself says locked and when the last wrong password came; nothing before', async () => {
    const { address } = await userWithEmail(t, 'ulk3');
    await lockOut('ulk3');
    const wrongAt = t.clock.now().toISOString();
    t.clock.advance(5 * 60_000);
    const s = await startReset(t, 'ulk3');
    const before = (await t.api('GET', '/reset/session', { token: s.sessionToken })).body;
    expect(before.lastFailedSignInAt).toBeUndefined();
    expect(before.accountLocked).toBeUndefined();
    const gate = await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), address);
    expect(gate.body.session).toMatchObject({ state: 'ready', accountLocked: true, lastFailedSignInAt: wrongAt });
    // A decoy never gets that far: an unknown name's session says neither.
    const decoy = await startReset(t, 'ulk-nobody');
    expect((await t.api('GET', '/reset/session', { token: decoy.sessionToken })).body).not.toHaveProperty('lastFailedSignInAt');
  });

  it('R37: an account that is not locked is told to sign in or choose a new password', async () => {
    const { address } = await userWithEmail(t, 'ulk2');
    const token = await verified('ulk2', address);
    expect((await t.api('GET', '/reset/session', { token })).body.accountLocked).toBe(false);
    expect((await t.api('GET', '/reset/session', { token })).body.lastFailedSignInAt).toBeNull();
    const r = await unlock(token);
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('conflict');
  });
});
