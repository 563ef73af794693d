import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { mailedCode, methodOf, NEW_PASSWORD, nextMail, passEmailGate, startReset, userWithEmail } from '../helpers/reset-helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

describe('reset flow', () => {
  describe('R2 / R13 / R18a: one-method reset by emailed code, then the new password signs in', () => {
    // One reset, step by step: each case continues the session the one before left.
    let user: Awaited<ReturnType<typeof userWithEmail>>['user'];
    let address: string;
    let session: Awaited<ReturnType<typeof startReset>>;
    let token: string;
    let challengeId: string;
    let code: string;

    it('R2, R13b: the session needs one method and offers the email, masked; it starts verifying', async () => {
      ({ user, address } = await userWithEmail(t, 'emma'));
      await t.server.services.directory.verifyPassword('emma', 'wrong'); // touch the lockout counter
      session = await startReset(t, 'Emma');
      expect(session.requiredMethods).toBe(1);
      expect(session.methods).toEqual([{ id: expect.any(String), type: 'email', hint: 'e•••@mail.example' }]);
      token = session.sessionToken;

      const state0 = await t.api('GET', '/reset/session', { token });
      expect(state0.body).toMatchObject({ state: 'verifying', gatesPassed: 0, requiredMethods: 1, passedMethodIds: [] });
    });

    it('R13: the code is mailed, the session shows it pending, and a wrong code counts (R11a)', async () => {
      const before = t.smtp.mails.length;
      const ch = await t.api('POST', '/reset/session/challenges', { token, body: { methodId: methodOf(session, 'email') } });
      expect(ch.status).toBe(201);
      expect(ch.body.type).toBe('email');
      challengeId = ch.body.challengeId;
      const mail = await nextMail(t, address, before);
      expect(mail.subject).toContain('verification code');
      code = await mailedCode(t, address, before);
      expect(code).toMatch(/^\d{6}$/);

      const pending = await t.api('GET', '/reset/session', { token });
      expect(pending.body.pendingChallenge).toMatchObject({ challengeId: ch.body.challengeId, type: 'email' });

      const wrong = await t.api('POST', `/reset/session/challenges/${challengeId}/verify`, { token, body: { code: code === '000000' ? '111111' : '000000' } });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toMatchObject({ code: 'invalid_code', attemptsRemaining: 4 });
    });

    it('R2: no password before the gate; the right code passes it and the session is ready', async () => {
      const early = await t.api('POST', '/reset/session/password', { token, body: { newPassword: NEW_PASSWORD } });
      expect(early.body.code).toBe('gates_incomplete');

      const ok = await t.api('POST', `/reset/session/challenges/${challengeId}/verify`, { token, body: { code } });
      expect(ok.status).toBe(200);
      expect(ok.body).toEqual({ gatesPassed: 1, requiredMethods: 1, complete: true, session: expect.objectContaining({ state: 'ready', gatesPassed: 1 }) });
      expect((await t.api('GET', '/reset/session', { token })).body.state).toBe('ready');
    });

    it('R18a, R22: a weak password is refused with its rule; a good one is set, unlocks, is told, and ends the session', async () => {
      const weak = await t.api('POST', '/reset/session/password', { token, body: { newPassword: 'emma' } });
      expect(weak.status).toBe(422);
      expect(weak.body.code).toBe('password_policy');
      expect(weak.body.violations.map((v: { rule: string }) => v.rule)).toContain('minLength');

      const set = await t.api('POST', '/reset/session/password', { token, body: { newPassword: NEW_PASSWORD, unlockAccount: true } });
      expect(set.status).toBe(200);
      expect(set.body).toEqual({ unlocked: true, changedAt: t.clock.now().toISOString() });
      expect((await t.api('GET', '/reset/session', { token })).body.state).toBe('completed');
      expect((await t.server.services.directory.verifyPassword('emma', NEW_PASSWORD)).ok).toBe(true);
      expect((await t.server.services.directory.verifyPassword('emma', 'Initial-Passw0rd!')).ok).toBe(false);
      // R22: the user is told at the account's own address.
      await t.smtp.waitFor(user.email!, (m) => /reset/i.test(m.subject ?? ''));
      // The finished session can do nothing more.
      expect((await t.api('POST', '/reset/session/password', { token, body: { newPassword: NEW_PASSWORD + 'x' } })).body.code).toBe('session_expired');
    });
  });

  it('R13: the code is single use and bound to its session', async () => {
    const { address } = await userWithEmail(t, 'sora');
    const a = await startReset(t, 'sora');
    const b = await startReset(t, 'sora');
    const before = t.smtp.mails.length;
    const ch = await t.api('POST', '/reset/session/challenges', { token: a.sessionToken, body: { methodId: methodOf(a, 'email') } });
    const code = await mailedCode(t, address, before);
    // Another session cannot even see the challenge.
    const elsewhere = await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: b.sessionToken, body: { code } });
    expect(elsewhere.body.code).toBe('not_found');
    const first = await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: a.sessionToken, body: { code } });
    expect(first.status).toBe(200);
    const again = await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: a.sessionToken, body: { code } });
    expect(again.body.code).toBe('challenge_expired');
  });

  it('R18a: a double submit of the new password sets it once and never reports a history refusal', async () => {
    const { address } = await userWithEmail(t, 'dbl');
    const s = await startReset(t, 'dbl');
    await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), address);
    const both = await Promise.all([0, 1].map(() => t.api('POST', '/reset/session/password', { token: s.sessionToken, body: { newPassword: NEW_PASSWORD } })));
    const codes = both.map((r) => r.status).sort();
    expect(codes[0]).toBe(200);
    expect(['conflict', 'session_expired']).toContain(both.find((r) => r.status !== 200)!.body.code);
    const written = await t.server.services.db.selectFrom('audit_events').select('result').where('type', '=', 'reset.password').where('username', '=', 'dbl').execute();
    expect(written.map((w) => w.result)).toEqual(['success']);
  });
});
