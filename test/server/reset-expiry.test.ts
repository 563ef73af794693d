import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { mailedCode, methodOf, startReset, userWithEmail } from '../helpers/reset-helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

const challenge = (token: string, methodId: string) => t.api('POST', '/reset/session/challenges', { token, body: { methodId } });
const verify = (token: string, id: string, body: unknown) => t.api('POST', `/reset/session/challenges/${id}/verify`, { token, body });

async function emailChallenge(token: string, methodId: string, address: string) {
  const before = t.smtp.mails.length;
  const ch = await challenge(token, methodId);
  return { id: ch.body.challengeId as string, expiresAt: ch.body.expiresAt as string, code: await mailedCode(t, address, before) };
}

describe('R13: lifetimes', () => {
  it('R13: a reset session lives 15 minutes', async () => {
    await userWithEmail(t, 'exp-s');
    const s = await startReset(t, 'exp-s');
    expect(new Date(s.expiresAt).getTime() - t.clock.now().getTime()).toBe(15 * 60_000);
    t.clock.advance(15 * 60_000 - 1);
    expect((await t.api('GET', '/reset/session', { token: s.sessionToken })).body.state).toBe('verifying');
    t.clock.advance(1);
    expect((await t.api('GET', '/reset/session', { token: s.sessionToken })).body.state).toBe('expired');
    const late = await challenge(s.sessionToken, methodOf(s, 'email'));
    expect(late.status).toBe(401);
    expect(late.body.code).toBe('session_expired');
  });

  it('R13: an emailed code is valid 5 minutes, and never past its session', async () => {
    const { address } = await userWithEmail(t, 'exp-c');
    const s = await startReset(t, 'exp-c');
    const ch = await emailChallenge(s.sessionToken, methodOf(s, 'email'), address);
    expect(new Date(ch.expiresAt).getTime() - t.clock.now().getTime()).toBe(5 * 60_000);
    t.clock.advanceMinutes(5);
    const late = await verify(s.sessionToken, ch.id, { code: ch.code });
    expect(late.status).toBe(410);
    expect(late.body.code).toBe('challenge_expired');
    // Late in the session a code lives only as long as the session does.
    t.clock.advanceMinutes(8);
    const last = await emailChallenge(s.sessionToken, methodOf(s, 'email'), address);
    expect(last.expiresAt).toBe(s.expiresAt);
    t.clock.advanceMinutes(2);
    expect((await verify(s.sessionToken, last.id, { code: last.code })).body.code).toBe('session_expired');
  });

  it('R13: a new challenge for the same method supersedes the old code', async () => {
    const { address } = await userWithEmail(t, 'exp-n');
    const s = await startReset(t, 'exp-n');
    const first = await emailChallenge(s.sessionToken, methodOf(s, 'email'), address);
    const second = await emailChallenge(s.sessionToken, methodOf(s, 'email'), address);
    expect((await verify(s.sessionToken, first.id, { code: first.code })).body.code).toBe('challenge_expired');
    expect((await verify(s.sessionToken, second.id, { code: second.code })).status).toBe(200);
  });

  it('R17a: cancelling ends the session and is audited', async () => {
    await userWithEmail(t, 'exp-x');
    const s = await startReset(t, 'exp-x');
    expect((await t.api('DELETE', '/reset/session', { token: s.sessionToken })).status).toBe(204);
    expect((await t.api('GET', '/reset/session', { token: s.sessionToken })).body.state).toBe('expired');
    expect((await challenge(s.sessionToken, methodOf(s, 'email'))).body.code).toBe('session_expired');
    expect((await t.api('DELETE', '/reset/session', { token: s.sessionToken })).body.code).toBe('session_expired');
    const audit = await t.server.services.db.selectFrom('audit_events').select('type').where('username', '=', 'exp-x').orderBy('id').execute();
    expect(audit.map((a) => a.type)).toEqual(['reset.started', 'reset.cancelled']);
  });
});

describe('hostile input answers 4xx, never 5xx', () => {
  it('reset: unknown tokens, methods and challenges, and answers of the wrong kind', async () => {
    const { address } = await userWithEmail(t, 'host-r');
    const s = await startReset(t, 'host-r');
    const token = s.sessionToken;
    expect((await t.api('GET', '/reset/session')).body.code).toBe('session_expired');
    expect((await t.api('GET', '/reset/session', { token: 'rs_forged' })).body.code).toBe('session_expired');
    expect((await challenge(token, 'no-such-method')).body.code).toBe('not_found');
    expect((await challenge(token, 'x'.repeat(65))).body.code).toBe('invalid_request');
    expect((await t.api('POST', '/reset/session/challenges', { token, body: { methodId: methodOf(s, 'email'), channel: 'fax' } })).body.code).toBe('invalid_request');
    expect((await t.api('POST', '/reset/session/challenges', { token, body: { methodId: methodOf(s, 'email'), channel: 'sms' } })).body.code).toBe('invalid_request');
    expect((await verify(token, 'no-such-challenge', { code: '123456' })).body.code).toBe('not_found');
    const ch = await emailChallenge(token, methodOf(s, 'email'), address);
    expect((await verify(token, ch.id, { answers: [{ questionId: 'p01', answer: 'x' }] })).body.code).toBe('invalid_request');
    expect((await verify(token, ch.id, { code: '12ab' })).body.code).toBe('invalid_code');
    expect((await verify(token, ch.id, { code: '1', answers: [] })).status).toBe(400);
    expect((await t.api('POST', '/reset/session/password', { token, body: { newPassword: '' } })).status).toBe(400);
    expect((await t.api('POST', '/reset/sessions', { body: { username: 'a\u202eb' } })).status).toBe(400);
    expect((await t.api('POST', '/reset/sessions', { body: { username: 'x'.repeat(300) } })).status).toBe(400);
  });

  it('signed in: unknown methods and approvals, odd bodies', async () => {
    await t.addUser({ username: 'host-m' });
    const access = (await t.api('POST', '/auth/sign-in', { body: { username: 'host-m', password: 'Initial-Passw0rd!' } })).body.accessToken;
    const call = (method: string, path: string, body?: unknown) => t.api(method, path, { token: access, body });
    expect((await call('POST', '/me/methods', { type: 'mobilePhone', number: '090-1234' })).status).toBe(400);
    expect((await call('POST', '/me/methods', { type: 'carrierPigeon' })).status).toBe(400);
    expect((await call('POST', '/me/methods', { type: 'authenticatorPush', deviceName: 'x', publicKey: '!'.repeat(60) })).status).toBe(400);
    expect((await call('POST', '/me/methods/%00/verify', { code: '123456' })).body.code).toBe('not_found');
    expect((await call('DELETE', '/me/methods/nope')).body.code).toBe('not_found');
    expect((await call('POST', '/me/approvals/nope', { approve: true, number: 42, methodId: 'm', signature: 'AAAA' })).body.code).toBe('not_found');
    expect((await call('POST', '/me/approvals/nope', { approve: 'yes', number: 420 })).status).toBe(400);
    expect((await t.api('GET', '/me/approvals/stream')).status).toBe(401);
    expect((await t.api('GET', '/me/approvals/stream', { token: 'forged' })).body.code).toBe('unauthorized');
  });
});
