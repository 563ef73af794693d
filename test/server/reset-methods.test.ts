import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/api/policy.js';
import { hashSecret } from '../../src-server/security/password-hash.js';
import { normalizeAnswer } from '../../shared/rules/security-questions.js';
import { startTestServer, TEST_HASH_PARAMS, type TestServer } from '../helpers/test-server.js';
import { addMethod, methodOf, NEW_PASSWORD, nextMail, nextPhoneMessage, oathtool, passEmailGate, phoneCode, pushDevice, startReset, userWithEmail, type PushDevice } from '../helpers/reset-helpers.js';

let t: TestServer;
const PW = 'Initial-Passw0rd!';
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await t.server.services.policy.put(t.server.services.db, DEFAULT_POLICY);
});

async function policy(change: Parameters<TestServer['setPolicy']>[0]) {
  await t.setPolicy(change);
  t.server.services.policy.invalidate();
}

async function challenge(token: string, methodId: string, extra: Record<string, unknown> = {}) {
  return t.api('POST', '/reset/session/challenges', { token, body: { methodId, ...extra } });
}

async function verify(token: string, challengeId: string, body: unknown) {
  return t.api('POST', `/reset/session/challenges/${challengeId}/verify`, { token, body });
}

/** A number in 10–99 other than `n`. */
function wrongNumber(n: number): number {
  return n === 99 ? 10 : n + 1;
}

async function withTotp(username: string) {
  const u = await userWithEmail(t, username);
  await addMethod(t, u.user, 'authenticatorCode', { secret: TOTP_SECRET, algorithm: 'SHA1', digits: 6, period: 30 }, 'Authenticator app');
  return u;
}

async function withQuestions(username: string, answers: Record<string, string>, extra: { isAdmin?: boolean } = {}) {
  const user = await t.addUser({ username, email: `${username}@corp.example`, ...extra });
  const questions = await Promise.all(Object.entries(answers).map(async ([questionId, a]) => ({ questionId, answerHash: await hashSecret(normalizeAnswer(a), TEST_HASH_PARAMS) })));
  await addMethod(t, user, 'securityQuestions', { questions }, `${questions.length} questions`);
  return user;
}

describe('reset with each method type', () => {
  it('R2: two methods — an emailed code, then a TOTP code computed by oathtool; the second must be another type', async () => {
    await policy((p) => (p.sspr.methodsRequired = 2));
    const { address } = await withTotp('kaito');
    const s = await startReset(t, 'kaito');
    expect(s.requiredMethods).toBe(2);
    expect(s.methods.map((m) => m.type).sort()).toEqual(['authenticatorCode', 'email']);
    const token = s.sessionToken;
    const first = await passEmailGate(t, token, methodOf(s, 'email'), address);
    expect(first.body).toEqual({ gatesPassed: 1, requiredMethods: 2, complete: false, session: expect.objectContaining({ state: 'verifying', gatesPassed: 1 }) });
    expect((await t.api('POST', '/reset/session/password', { token, body: { newPassword: NEW_PASSWORD } })).body.code).toBe('gates_incomplete');
    const again = await challenge(token, methodOf(s, 'email'));
    expect(again.status).toBe(409);

    const ch = await challenge(token, methodOf(s, 'authenticatorCode'));
    expect(ch.status).toBe(201);
    expect(ch.body).toEqual({ challengeId: expect.any(String), type: 'authenticatorCode', expiresAt: expect.any(String) });
    // ±1 step: the previous step's code is still accepted, one from 90 s ago is not.
    const stale = oathtool(TOTP_SECRET, new Date(t.clock.now().getTime() - 90_000));
    expect((await verify(token, ch.body.challengeId, { code: stale })).body.code).toBe('invalid_code');
    const prev = oathtool(TOTP_SECRET, new Date(t.clock.now().getTime() - 30_000));
    const done = await verify(token, ch.body.challengeId, { code: prev });
    expect(done.body).toEqual({ gatesPassed: 2, requiredMethods: 2, complete: true, session: expect.objectContaining({ state: 'ready', gatesPassed: 2 }) });
    const state = (await t.api('GET', '/reset/session', { token })).body;
    expect(state).toMatchObject({ state: 'ready', gatesPassed: 2, passedMethodIds: [methodOf(s, 'email'), methodOf(s, 'authenticatorCode')] });
    expect((await t.api('POST', '/reset/session/password', { token, body: { newPassword: NEW_PASSWORD } })).status).toBe(200);
  });

  it('TOTP: a code is accepted once per time step, even in another session', async () => {
    await withTotp('ren');
    const code = oathtool(TOTP_SECRET, t.clock.now());
    const a = await startReset(t, 'ren');
    const chA = await challenge(a.sessionToken, methodOf(a, 'authenticatorCode'));
    expect((await verify(a.sessionToken, chA.body.challengeId, { code })).status).toBe(200);
    const b = await startReset(t, 'ren');
    const chB = await challenge(b.sessionToken, methodOf(b, 'authenticatorCode'));
    expect((await verify(b.sessionToken, chB.body.challengeId, { code })).body.code).toBe('invalid_code');
    t.clock.advance(30_000);
    expect((await verify(b.sessionToken, chB.body.challengeId, { code: oathtool(TOTP_SECRET, t.clock.now()) })).status).toBe(200);
  });

  it('R3 / R12 / R20: SMS and voice codes, localised and branded; an office phone is voice only', async () => {
    await policy((p) => (p.branding = { organizationName: 'Example Corp', logoUrl: null, contactAdmin: 'helpdesk@example.com' }));
    const user = await t.addUser({ username: 'aoi', email: 'aoi@corp.example' });
    await addMethod(t, user, 'mobilePhone', { number: '+81 9055556666' }, '+81 ••• •••• ••66');
    await addMethod(t, user, 'officePhone', { number: '+81 355556666' }, '+81 ••• •••• ••66');
    await addMethod(t, user, 'email', { address: 'aoi.home@mail.example' }, 'a•••@mail.example');
    const s = await startReset(t, 'aoi');
    const token = s.sessionToken;

    let before = t.gateway.messages.length;
    const sms = await challenge(token, methodOf(s, 'mobilePhone'));
    expect(sms.status).toBe(201);
    const text = await nextPhoneMessage(t, '+81 9055556666', before);
    expect(text).toMatchObject({ channel: 'sms', locale: 'en', signatureValid: true });
    expect(text.text).toContain('[Example Corp]');
    expect(text.text.length).toBeLessThanOrEqual(160);

    before = t.gateway.messages.length;
    const voice = await challenge(token, methodOf(s, 'mobilePhone'), { channel: 'voice', locale: 'ja' });
    const call = await nextPhoneMessage(t, '+81 9055556666', before);
    expect(call).toMatchObject({ channel: 'voice', locale: 'ja' });
    expect(call.text).toContain('Example Corp');
    expect(call.text).toContain('確認コード');
    // The newer call superseded the text (R13).
    expect((await verify(token, sms.body.challengeId, { code: phoneCode(text) })).body.code).toBe('challenge_expired');

    expect((await challenge(token, methodOf(s, 'officePhone'), { channel: 'sms' })).body.code).toBe('invalid_request');
    before = t.gateway.messages.length;
    await challenge(token, methodOf(s, 'officePhone'));
    expect((await nextPhoneMessage(t, '+81 355556666', before)).channel).toBe('voice');

    const mailsBefore = t.smtp.mails.length;
    await t.api('POST', '/reset/session/challenges', { token, body: { methodId: methodOf(s, 'email') }, headers: { 'accept-language': 'ja,en;q=0.5' } });
    const mail = await nextMail(t, 'aoi.home@mail.example', mailsBefore);
    expect(mail.subject).toContain('[Example Corp]');
    expect(mail.text).toContain('パスワードのリセット');
    expect(mail.text).toContain('helpdesk@example.com');

    const ok = await verify(token, voice.body.challengeId, { code: phoneCode(call) });
    expect(ok.body).toEqual({ gatesPassed: 1, requiredMethods: 1, complete: true, session: expect.objectContaining({ state: 'ready', gatesPassed: 1 }) });
  });

  describe('R3: push approval with number matching', () => {
    // Each case: a fresh user with a push device, signed in on the companion, listening on the SSE stream.
    let n = 0;
    let push: PushDevice;
    beforeEach(async () => {
      push = await pushDevice(t, `sakura${++n}`, PW);
    });
    afterEach(() => push.close());

    it('the signed-in companion sees the approval (list and SSE); the reset shows it pending and takes no code', async () => {
      expect(push.stream.status).toBe(200);
      expect(push.stream.headers.get('content-type')).toContain('text/event-stream');
      const s = await startReset(t, push.username);
      const token = s.sessionToken;
      expect(s.methods).toEqual([{ id: expect.any(String), type: 'authenticatorPush', hint: 'Sakura phone' }]);
      const ch = await challenge(token, methodOf(s, 'authenticatorPush'));
      expect(ch.status).toBe(201);
      expect(ch.body.numberMatch).toBeGreaterThanOrEqual(10);
      expect(ch.body.numberMatch).toBeLessThanOrEqual(99);
      const pushed = await push.nextEvent();
      expect(pushed).toMatchObject({ status: 'waiting', client: expect.stringContaining('127.0.0.1') });
      const listed = await t.api('GET', '/me/approvals', { token: push.access });
      expect(listed.body.approvals).toEqual([pushed]);
      expect((await t.api('GET', '/reset/session', { token })).body.pendingChallenge).toMatchObject({ type: 'authenticatorPush', status: 'waiting' });
      expect((await verify(token, ch.body.challengeId, { code: '123456' })).body.code).toBe('invalid_request');
    });

    it('R11a: a forged signature changes nothing; the wrong number is a denial, counted as a failed verification, and final', async () => {
      const s = await startReset(t, push.username);
      const token = s.sessionToken;
      const ch = await challenge(token, methodOf(s, 'authenticatorPush'));
      const pushed = await push.nextEvent();
      const stranger = generateKeyPairSync('ed25519').privateKey;
      expect((await push.decide(pushed.id, true, ch.body.numberMatch, stranger)).status).toBe(403);
      const denied = await push.decide(pushed.id, true, wrongNumber(ch.body.numberMatch));
      expect(denied.body).toMatchObject({ id: pushed.id, status: 'denied' });
      expect((await t.api('GET', '/reset/session', { token })).body.pendingChallenge).toMatchObject({ status: 'denied' });
      const failures = await t.server.services.db.selectFrom('throttle_events').select('id').where('throttle_key', '=', `subject:${push.user.id}`).where('kind', '=', 'failure').execute();
      expect(failures).toHaveLength(1);
      expect((await push.decide(pushed.id, true, ch.body.numberMatch)).body.code).toBe('conflict');
    });

    it('after a denial, a new challenge sends a new approval; the right number passes the gate and empties the list', async () => {
      const s = await startReset(t, push.username);
      const token = s.sessionToken;
      const ch = await challenge(token, methodOf(s, 'authenticatorPush'));
      const pushed = await push.nextEvent();
      await push.decide(pushed.id, true, wrongNumber(ch.body.numberMatch));

      const ch2 = await challenge(token, methodOf(s, 'authenticatorPush'));
      const second = await push.nextEvent();
      expect(second.id).not.toBe(pushed.id);
      const approved = await push.decide(second.id, true, ch2.body.numberMatch);
      expect(approved.body.status).toBe('approved');
      const state = (await t.api('GET', '/reset/session', { token })).body;
      expect(state).toMatchObject({ state: 'ready', gatesPassed: 1, pendingChallenge: { status: 'approved' } });
      expect((await t.api('GET', '/me/approvals', { token: push.access })).body.approvals).toEqual([]);
    });

    it('approvals expire with their challenge (5 minutes)', async () => {
      const s2 = await startReset(t, push.username);
      await challenge(s2.sessionToken, methodOf(s2, 'authenticatorPush'));
      const [third] = (await t.api('GET', '/me/approvals', { token: push.access })).body.approvals;
      expect(third.status).toBe('waiting');
      t.clock.advanceMinutes(5);
      expect((await t.api('GET', '/me/approvals', { token: push.access })).body.approvals).toEqual([]);
      expect((await push.decide(third.id, true, 42)).body.code).toBe('challenge_expired');
      expect((await t.api('GET', '/reset/session', { token: s2.sessionToken })).body.pendingChallenge).toBeUndefined();
    });
  });

  it('R9d / R9e: N questions drawn at random; a wrong answer spends the draw; full-width answers match', async () => {
    await withQuestions('hina', { p01: 'Tokyo', p02: 'Pochi', p03: 'Minato', p04: 'Ramen', p05: 'Toyota' });
    const answers: Record<string, string> = { p01: 'ＴＯＫＹＯ', p02: ' pochi ', p03: 'MINATO', p04: 'ｒａｍｅｎ', p05: 'toyota' };
    const s = await startReset(t, 'hina');
    const token = s.sessionToken;
    const qm = methodOf(s, 'securityQuestions');
    const draws = new Set<string>();
    let ch = await challenge(token, qm, { locale: 'ja' });
    for (let i = 0; i < 12; i++) {
      expect(ch.body.questions).toHaveLength(3);
      draws.add(ch.body.questions.map((q: { id: string }) => q.id).sort().join());
      ch = await challenge(token, qm);
    }
    expect(draws.size).toBeGreaterThan(1);
    expect(ch.body.questions[0].text).toMatch(/\?$/);

    expect((await verify(token, ch.body.challengeId, { code: '123456' })).body.code).toBe('invalid_request');
    const partial = ch.body.questions.slice(0, 2).map((q: { id: string }) => ({ questionId: q.id, answer: answers[q.id] }));
    expect((await verify(token, ch.body.challengeId, { answers: partial })).body.code).toBe('invalid_request');
    const oneWrong = ch.body.questions.map((q: { id: string }, i: number) => ({ questionId: q.id, answer: i === 0 ? 'wrong answer' : answers[q.id] }));
    const wrong = await verify(token, ch.body.challengeId, { answers: oneWrong });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatchObject({ code: 'invalid_answers', attemptsRemaining: 4 });
    // The draw is spent: even the right answers no longer count for it.
    const right = ch.body.questions.map((q: { id: string }) => ({ questionId: q.id, answer: answers[q.id] }));
    expect((await verify(token, ch.body.challengeId, { answers: right })).body.code).toBe('challenge_expired');

    const fresh = await challenge(token, qm);
    const ok = await verify(token, fresh.body.challengeId, { answers: fresh.body.questions.map((q: { id: string }) => ({ questionId: q.id, answer: answers[q.id] })) });
    expect(ok.body).toEqual({ gatesPassed: 1, requiredMethods: 1, complete: true, session: expect.objectContaining({ state: 'ready', gatesPassed: 1 }) });
  });

  it('R10: an administrator needs two methods of different types and is never offered questions', async () => {
    const admin = await withQuestions('boss', { p01: 'Tokyo', p02: 'Pochi', p03: 'Minato' }, { isAdmin: true });
    await addMethod(t, admin, 'email', { address: 'boss.home@mail.example' }, 'b•••@mail.example');
    await addMethod(t, admin, 'authenticatorCode', { secret: TOTP_SECRET, algorithm: 'SHA1', digits: 6, period: 30 }, 'Authenticator app');
    const s = await startReset(t, 'boss');
    // R29: the first answer names no administrator (the policy's one); R10's second is asked after the first gate.
    expect(s.requiredMethods).toBe(1);
    expect(s.methods.map((m) => m.type).sort()).toEqual(['authenticatorCode', 'email']);
    const first = await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), 'boss.home@mail.example');
    expect(first.body).toMatchObject({ gatesPassed: 1, requiredMethods: 2, complete: false });
    t.clock.advance(30_000);
    const ch = await challenge(s.sessionToken, methodOf(s, 'authenticatorCode'));
    const done = await verify(s.sessionToken, ch.body.challengeId, { code: oathtool(TOTP_SECRET, t.clock.now()) });
    expect(done.body.complete).toBe(true);
    const set = await t.api('POST', '/reset/session/password', { token: s.sessionToken, body: { newPassword: NEW_PASSWORD } });
    expect(set.status).toBe(200);
  });

  it('R19: a disabled account verifies normally and is then refused', async () => {
    const { user, address } = await userWithEmail(t, 'gone');
    await (t.server.services.directory as import('../../src-server/directory/builtin-directory.js').BuiltinDirectory).updateUser(user.id, { disabled: true });
    const s = await startReset(t, 'gone');
    expect((await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), address)).body.complete).toBe(true);
    const set = await t.api('POST', '/reset/session/password', { token: s.sessionToken, body: { newPassword: NEW_PASSWORD } });
    expect(set.status).toBe(403);
    expect(set.body).toMatchObject({ code: 'forbidden', detail: expect.stringMatching(/disabled/) });
    expect((await t.server.services.directory.verifyPassword('gone', NEW_PASSWORD)).ok).toBe(false);
  });

  it('R18a / R18b: the directory\'s refusal is shown as password_policy; the session stays usable', async () => {
    const { address } = await userWithEmail(t, 'yuki');
    const s = await startReset(t, 'yuki');
    await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), address);
    // The built-in directory keeps history: the current password is refused.
    const reuse = await t.api('POST', '/reset/session/password', { token: s.sessionToken, body: { newPassword: PW } });
    expect(reuse.status).toBe(422);
    expect(reuse.body.violations).toEqual([expect.objectContaining({ rule: 'history' })]);
    const ja = await t.api('POST', '/reset/session/password', { token: s.sessionToken, body: { newPassword: 'short' }, headers: { 'accept-language': 'ja' } });
    expect(ja.body.violations.find((v: { rule: string }) => v.rule === 'minLength').message).toContain('文字以上');
    expect((await t.api('POST', '/reset/session/password', { token: s.sessionToken, body: { newPassword: NEW_PASSWORD } })).status).toBe(200);
  });

  it('R18a / R22: after a reset the old password, the access token and the refresh token all stop working', async () => {
    const { address } = await userWithEmail(t, 'kento');
    const signedIn = (await t.api('POST', '/auth/sign-in', { body: { username: 'kento', password: PW } })).body;
    expect((await t.api('GET', '/me/status', { token: signedIn.accessToken })).status).toBe(200);
    t.clock.advance(1000);
    const s = await startReset(t, 'kento');
    await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), address);
    expect((await t.api('POST', '/reset/session/password', { token: s.sessionToken, body: { newPassword: NEW_PASSWORD } })).status).toBe(200);
    expect((await t.api('POST', '/auth/sign-in', { body: { username: 'kento', password: PW } })).status).toBe(401);
    expect((await t.api('POST', '/auth/sign-in', { body: { username: 'kento', password: NEW_PASSWORD } })).status).toBe(200);
    expect((await t.api('GET', '/me/status', { token: signedIn.accessToken })).status).toBe(401);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: signedIn.refreshToken } })).status).toBe(401);
    const audit = await t.server.services.db.selectFrom('audit_events').select(['type', 'result', 'method', 'client']).where('username', '=', 'kento').where('type', 'like', 'reset.%').orderBy('id').execute();
    expect(audit.map((a) => `${a.type}:${a.result}`)).toEqual(['reset.started:success', 'reset.challenge:success', 'reset.verify:success', 'reset.password:success', 'reset.unlock:success']);
    expect(audit[1]).toMatchObject({ method: 'email', client: expect.stringContaining('127.0.0.1') });
  });

  it('R9c: questions fewer than a reset draws (the policy was raised since) are not offered', async () => {
    await withQuestions('few-q', { p01: 'Tokyo', p02: 'Pochi', p03: 'Minato' });
    expect((await startReset(t, 'few-q')).methods.map((m) => m.type)).toEqual(['securityQuestions']);
    await policy((p) => (p.sspr.securityQuestions = { requiredToRegister: 4, requiredToReset: 4, custom: [] }));
    // Nothing usable is left: a decoy answers (it offers an email first, as decoys do).
    const decoyLike = await startReset(t, 'few-q');
    expect(decoyLike.methods[0]!.type).toBe('email');
    const audit = await t.server.services.db.selectFrom('audit_events').select('detail').where('type', '=', 'reset.started').where('username', '=', 'few-q').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(JSON.parse(audit.detail!)).toMatchObject({ reason: 'no_methods', decoy: true });
  });
});
