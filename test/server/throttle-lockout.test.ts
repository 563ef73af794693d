import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/api/policy.js';
import { normalizeAnswer } from '../../shared/rules/security-questions.js';
import { hashSecret } from '../../src-server/security/password-hash.js';
import { startTestServer, TEST_HASH_PARAMS, type TestServer } from '../helpers/test-server.js';
import { addMethod, mailedCode, mailsArrived, methodOf, NEW_PASSWORD, passEmailGate, startReset, userWithEmail } from '../helpers/reset-helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await t.server.services.policy.put(t.server.services.db, DEFAULT_POLICY);
});

const challenge = (token: string, methodId: string, extra: Record<string, unknown> = {}) => t.api('POST', '/reset/session/challenges', { token, body: { methodId, ...extra } });
const verify = (token: string, id: string, body: unknown) => t.api('POST', `/reset/session/challenges/${id}/verify`, { token, body });

function wrongCodeFor(code: string): string {
  return code === '000000' ? '000001' : '000000';
}

async function lockoutEvents(user: string) {
  return t.server.services.db.selectFrom('audit_events').select(['detail', 'result']).where('type', '=', 'reset.lockout').where('username', '=', user).execute();
}

describe('reset lockouts', () => {
  it('R11a: five failed verifications within 24 h lock reset for 24 h, even with the right code', async () => {
    const { address } = await userWithEmail(t, 'lock-a');
    const s = await startReset(t, 'lock-a');
    const before = t.smtp.mails.length;
    const ch = await challenge(s.sessionToken, methodOf(s, 'email'));
    const code = await mailedCode(t, address, before);
    for (const remaining of [4, 3, 2, 1]) {
      const r = await verify(s.sessionToken, ch.body.challengeId, { code: wrongCodeFor(code) });
      expect(r.body).toMatchObject({ code: 'invalid_code', attemptsRemaining: remaining });
    }
    const fifth = await verify(s.sessionToken, ch.body.challengeId, { code: wrongCodeFor(code) });
    expect(fifth.status).toBe(423);
    expect(fifth.body).toMatchObject({ code: 'locked_out', retryAfterSeconds: 86_400, attemptsRemaining: 0 });
    expect(fifth.headers.get('retry-after')).toBe('86400');
    expect((await verify(s.sessionToken, ch.body.challengeId, { code })).body.code).toBe('locked_out');
    expect((await t.api('GET', '/reset/session', { token: s.sessionToken })).body.state).toBe('locked');
    expect((await lockoutEvents('lock-a')).map((e) => JSON.parse(e.detail!).rule)).toEqual(['R11a']);

    t.clock.advanceHours(23);
    const stillLocked = await t.api('POST', '/reset/sessions', { body: { username: 'lock-a' } });
    expect(stillLocked.status).toBe(423);
    expect(stillLocked.body.retryAfterSeconds).toBe(3600);
    t.clock.advanceHours(1);
    const again = await startReset(t, 'lock-a');
    expect((await passEmailGate(t, again.sessionToken, methodOf(again, 'email'), address)).body.complete).toBe(true);
  });

  it('R11a: failures older than 24 h leave the window', async () => {
    const { address } = await userWithEmail(t, 'lock-w');
    const s = await startReset(t, 'lock-w');
    const before = t.smtp.mails.length;
    const ch = await challenge(s.sessionToken, methodOf(s, 'email'));
    const code = await mailedCode(t, address, before);
    for (let i = 0; i < 4; i++) await verify(s.sessionToken, ch.body.challengeId, { code: wrongCodeFor(code) });
    t.clock.advanceHours(24);
    t.clock.advance(1);
    const s2 = await startReset(t, 'lock-w');
    const b2 = t.smtp.mails.length;
    const ch2 = await challenge(s2.sessionToken, methodOf(s2, 'email'));
    const code2 = await mailedCode(t, address, b2);
    expect((await verify(s2.sessionToken, ch2.body.challengeId, { code: wrongCodeFor(code2) })).body.attemptsRemaining).toBe(4);
  });

  it('R11b: at most 5 texts an hour; the sixth locks reset for 24 h', async () => {
    const user = await t.addUser({ username: 'lock-sms' });
    await addMethod(t, user, 'mobilePhone', { number: '+81 9077778888' }, '+81 ••• •••• ••88');
    const s = await startReset(t, 'lock-sms');
    const m = methodOf(s, 'mobilePhone');
    for (let i = 0; i < 5; i++) expect((await challenge(s.sessionToken, m)).status).toBe(201);
    // An hour later the window has room again.
    t.clock.advanceMinutes(61);
    const s2 = await startReset(t, 'lock-sms');
    for (let i = 0; i < 5; i++) expect((await challenge(s2.sessionToken, methodOf(s2, 'mobilePhone'), { channel: i % 2 ? 'voice' : 'sms' })).status).toBe(201);
    const sixth = await challenge(s2.sessionToken, methodOf(s2, 'mobilePhone'));
    expect(sixth.status).toBe(423);
    expect(sixth.body).toMatchObject({ code: 'locked_out', retryAfterSeconds: 86_400 });
    expect((await lockoutEvents('lock-sms')).map((e) => JSON.parse(e.detail!).rule)).toEqual(['R11b']);
    t.clock.advanceHours(2);
    expect((await t.api('POST', '/reset/sessions', { body: { username: 'lock-sms' } })).status).toBe(423);
    t.clock.advanceHours(22);
    expect((await t.api('POST', '/reset/sessions', { body: { username: 'lock-sms' } })).status).toBe(201);
  });

  it('R11b: at most 5 security-question checks an hour, right or wrong', async () => {
    const user = await t.addUser({ username: 'lock-q' });
    const answers: Record<string, string> = { p01: 'Kyoto', p02: 'Shiro', p03: 'Gion' };
    const questions = await Promise.all(Object.entries(answers).map(async ([questionId, a]) => ({ questionId, answerHash: await hashSecret(normalizeAnswer(a), TEST_HASH_PARAMS) })));
    await addMethod(t, user, 'securityQuestions', { questions });
    const pass = async () => {
      const s = await startReset(t, 'lock-q');
      const ch = await challenge(s.sessionToken, methodOf(s, 'securityQuestions'));
      return verify(s.sessionToken, ch.body.challengeId, { answers: ch.body.questions.map((q: { id: string }) => ({ questionId: q.id, answer: answers[q.id] })) });
    };
    for (let i = 0; i < 5; i++) expect((await pass()).status).toBe(200);
    const sixth = await pass();
    expect(sixth.status).toBe(423);
    expect((await lockoutEvents('lock-q')).map((e) => JSON.parse(e.detail!).rule)).toEqual(['R11b']);
  });

  it('R11c: at most 10 emails in 10 minutes; the eleventh locks reset for 24 h', async () => {
    await userWithEmail(t, 'lock-mail');
    const s = await startReset(t, 'lock-mail');
    const m = methodOf(s, 'email');
    for (let i = 0; i < 10; i++) expect((await challenge(s.sessionToken, m)).status).toBe(201);
    t.clock.advanceMinutes(10);
    t.clock.advance(1);
    const s2 = await startReset(t, 'lock-mail');
    for (let i = 0; i < 10; i++) expect((await challenge(s2.sessionToken, methodOf(s2, 'email'))).status).toBe(201);
    const eleventh = await challenge(s2.sessionToken, methodOf(s2, 'email'));
    expect(eleventh.status).toBe(423);
    expect(eleventh.body.retryAfterSeconds).toBe(86_400);
    expect((await lockoutEvents('lock-mail')).map((e) => JSON.parse(e.detail!).rule)).toEqual(['R11c']);
  });

  it('R11d: a successful reset clears every counter', async () => {
    const { user, address } = await userWithEmail(t, 'lock-d');
    const s = await startReset(t, 'lock-d');
    const before = t.smtp.mails.length;
    const ch = await challenge(s.sessionToken, methodOf(s, 'email'));
    const code = await mailedCode(t, address, before);
    for (let i = 0; i < 4; i++) await verify(s.sessionToken, ch.body.challengeId, { code: wrongCodeFor(code) });
    for (let i = 0; i < 8; i++) await challenge(s.sessionToken, methodOf(s, 'email'));
    await mailsArrived(t, address, 9);
    const s2 = await startReset(t, 'lock-d');
    const ok = await passEmailGate(t, s2.sessionToken, methodOf(s2, 'email'), address);
    expect(ok.body).toMatchObject({ complete: true });
    const key = `subject:${user.id}`;
    const counted = async () => (await t.server.services.db.selectFrom('throttle_events').select('kind').where('throttle_key', '=', key).execute()).length;
    expect(await counted()).toBeGreaterThan(10);
    expect((await t.api('POST', '/reset/session/password', { token: s2.sessionToken, body: { newPassword: NEW_PASSWORD } })).status).toBe(200);
    expect(await counted()).toBe(0);
    // A fresh start: four more failures would not lock.
    const s3 = await startReset(t, 'lock-d');
    const b3 = t.smtp.mails.length;
    const ch3 = await challenge(s3.sessionToken, methodOf(s3, 'email'));
    const code3 = await mailedCode(t, address, b3);
    expect((await verify(s3.sessionToken, ch3.body.challengeId, { code: wrongCodeFor(code3) })).body.attemptsRemaining).toBe(4);
  });
});
