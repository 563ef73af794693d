import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { addMethod, methodOf, passEmailGate, startReset, userWithEmail } from '../helpers/reset-helpers.js';

let t: TestServer;
const PW = 'Initial-Passw0rd!';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

const totpNow = () => new TOTP({ secret: Secret.fromBase32(TOTP_SECRET), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: t.clock.now().getTime() });

async function adminWithMethods(username: string) {
  const u = await userWithEmail(t, username, { isAdmin: true });
  await addMethod(t, u.user, 'authenticatorCode', { secret: TOTP_SECRET, algorithm: 'SHA1', digits: 6, period: 30 }, 'Authenticator app');
  return u;
}

describe('the bootstrap token is for setting up (R33)', () => {
  it('R33: taken from loopback only, and only until an administrator holds two methods', async () => {
    const asBootstrap = (remoteAddress: string) => t.server.app.inject({ method: 'GET', url: '/api/v1/admin/policy', headers: { authorization: `Bearer ${t.adminToken}` }, remoteAddress });
    expect((await asBootstrap('127.0.0.1')).statusCode).toBe(200);
    expect((await asBootstrap('::1')).statusCode).toBe(200);
    const remote = await asBootstrap('10.20.30.40');
    expect(remote.statusCode).toBe(403);
    expect(remote.json().code).toBe('forbidden');
    // One method is not yet an administrator who can sign in: set-up goes on.
    const { user } = await userWithEmail(t, 'first-admin', { isAdmin: true });
    expect((await asBootstrap('127.0.0.1')).statusCode).toBe(200);
    await addMethod(t, user, 'authenticatorCode', { secret: TOTP_SECRET, algorithm: 'SHA1', digits: 6, period: 30 }, 'Authenticator app');
    const closed = await asBootstrap('127.0.0.1');
    expect(closed.statusCode).toBe(403);
    expect((await t.api('POST', '/admin/users/first-admin/access-pass', { token: t.adminToken, body: {} })).status).toBe(403);
  });
});

describe('no administrator oracle (R29)', () => {
  it('R29: before the first gate, an administrator, a user and an unknown name are all asked for the policy\'s number', async () => {
    const { address } = await adminWithMethods('root');
    await userWithEmail(t, 'plain');
    for (const required of [1, 2] as const) {
      await t.setPolicy((p) => (p.sspr.methodsRequired = required));
      t.server.services.policy.invalidate();
      const shown: number[] = [];
      for (const name of ['root', 'plain', 'no-such-person']) {
        const s = await startReset(t, name);
        shown.push(s.requiredMethods);
        shown.push((await t.api('GET', '/reset/session', { token: s.sessionToken })).body.requiredMethods);
      }
      expect(shown).toEqual(Array(6).fill(required));
    }
    await t.setPolicy((p) => (p.sspr.methodsRequired = 1));
    t.server.services.policy.invalidate();
    // R10 still holds: once the first gate passes, the administrator is asked for a second.
    const s = await startReset(t, 'root');
    const first = await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), address);
    expect(first.body).toMatchObject({ gatesPassed: 1, requiredMethods: 2, complete: false });
    expect((await t.api('GET', '/reset/session', { token: s.sessionToken })).body).toMatchObject({ state: 'verifying', requiredMethods: 2 });
    expect((await t.api('POST', '/reset/session/password', { token: s.sessionToken, body: { newPassword: 'Quiet-Harbor-Lantern-72' } })).body.code).toBe('gates_incomplete');
    t.clock.advance(30_000);
    const ch = await t.api('POST', '/reset/session/challenges', { token: s.sessionToken, body: { methodId: methodOf(s, 'authenticatorCode') } });
    const second = await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: s.sessionToken, body: { code: totpNow() } });
    expect(second.body).toMatchObject({ gatesPassed: 2, requiredMethods: 2, complete: true });
  });
});

describe('the console sign-in keeps its own counters (R30)', () => {
  it('R30: five wrong reset codes in an administrator\'s name lock the reset, not the console sign-in', async () => {
    const { address } = await adminWithMethods('sysop');
    const s = await startReset(t, 'sysop');
    const ch = await t.api('POST', '/reset/session/challenges', { token: s.sessionToken, body: { methodId: methodOf(s, 'email') } });
    for (let i = 0; i < 5; i++) await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: s.sessionToken, body: { code: '000000' } });
    expect((await t.api('POST', '/reset/sessions', { body: { username: 'sysop' } })).status).toBe(423);

    const started = await t.api('POST', '/auth/admin/sessions', { body: { username: 'sysop', password: PW } });
    expect(started.status).toBe(201);
    expect((await passEmailGate(t, started.body.sessionToken, methodOf(started.body, 'email'), address)).status).toBe(200);
    t.clock.advance(30_000);
    const totp = await t.api('POST', '/reset/session/challenges', { token: started.body.sessionToken, body: { methodId: methodOf(started.body, 'authenticatorCode') } });
    expect((await t.api('POST', `/reset/session/challenges/${totp.body.challengeId}/verify`, { token: started.body.sessionToken, body: { code: totpNow() } })).body.complete).toBe(true);
    expect((await t.api('POST', '/auth/admin/token', { token: started.body.sessionToken })).status).toBe(200);
  });
});
