import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { mailedCode, nextPhoneMessage, oathtool, phoneCode } from '../helpers/reset-helpers.js';
import { stepUpByPhone, stepUpWithPass, signIn } from '../helpers/step-up-helpers.js';

let t: TestServer;
const PW = 'Initial-Passw0rd!';

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

async function signedIn(username: string, extra: { isAdmin?: boolean } = {}) {
  await t.addUser({ username, email: `${username}@corp.example`, ...extra });
  return (await signIn(t, username)).access;
}

async function auditTypes(user: string) {
  const rows = await t.server.services.db.selectFrom('audit_events').select(['type', 'result', 'method']).where('username', '=', user).orderBy('id').execute();
  return rows.map((r) => `${r.type}:${r.method ?? '-'}:${r.result}`);
}

describe('method registration (signed in)', () => {
  it('R3 / R7: an email is proven with a mailed code; the account\'s own address is refused; secrets never shown', async () => {
    const token = await signedIn('mei');
    expect((await t.api('GET', '/me/methods', { token })).body).toEqual({ methods: [] });
    const own = await t.api('POST', '/me/methods', { token, body: { type: 'email', address: 'MEI@corp.example' } });
    expect(own.status).toBe(400);
    expect(own.body.code).toBe('invalid_request');

    const before = t.smtp.mails.length;
    const reg = await t.api('POST', '/me/methods', { token, body: { type: 'email', address: 'mei.home@mail.example', locale: 'ja' } });
    expect(reg.status).toBe(201);
    expect(reg.body).toMatchObject({ pendingVerification: true, method: { type: 'email', hint: 'm•••@mail.example', source: 'user', verified: false } });
    const code = await mailedCode(t, 'mei.home@mail.example', before);
    const mail = t.smtp.mails.at(-1)!;
    expect(mail.text).toContain('確認コード');

    const wrong = await t.api('POST', `/me/methods/${reg.body.method.id}/verify`, { token, body: { code: code === '123456' ? '654321' : '123456' } });
    expect(wrong.body).toMatchObject({ code: 'invalid_code', attemptsRemaining: 4 });
    const ok = await t.api('POST', `/me/methods/${reg.body.method.id}/verify`, { token, body: { code } });
    expect(ok.status).toBe(200);
    expect(ok.body.method).toMatchObject({ verified: true });

    const list = await t.api('GET', '/me/methods', { token });
    expect(list.body.methods).toHaveLength(1);
    expect(JSON.stringify(list.body)).not.toContain('mei.home');
    expect(await auditTypes('mei')).toEqual(expect.arrayContaining(['registration.add:email:success', 'registration.verify:email:failure', 'registration.verify:email:success']));
  });

  it('R3: a mobile phone is proven by SMS (or a call); an office phone only by a call', async () => {
    const token = await signedIn('haru');
    let before = t.gateway.messages.length;
    const mobile = await t.api('POST', '/me/methods', { token, body: { type: 'mobilePhone', number: '+81 9011112222' } });
    expect(mobile.status).toBe(201);
    expect(mobile.body.method.hint).toBe('+81 ••• •••• ••22');
    const sms = await nextPhoneMessage(t, '+81 9011112222', before);
    expect(sms.channel).toBe('sms');
    expect(sms.signatureValid).toBe(true);
    expect((await t.api('POST', `/me/methods/${mobile.body.method.id}/verify`, { token, body: { code: phoneCode(sms) } })).status).toBe(200);

    // R26: a second method needs this sign-in to prove the first.
    await stepUpByPhone(t, token, '+81 9011112222');
    before = t.gateway.messages.length;
    const office = await t.api('POST', '/me/methods', { token, body: { type: 'officePhone', number: '+81 312345678' } });
    const call = await nextPhoneMessage(t, '+81 312345678', before);
    expect(call.channel).toBe('voice');
    expect((await t.api('POST', `/me/methods/${office.body.method.id}/verify`, { token, body: { code: phoneCode(call) } })).status).toBe(200);
  });

  it('TOTP: registration returns the secret and otpauth URI once; the first oathtool code proves it', async () => {
    await t.setPolicy((p) => (p.branding.organizationName = 'Example Corp'));
    t.server.services.policy.invalidate();
    const token = await signedIn('taro');
    const reg = await t.api('POST', '/me/methods', { token, body: { type: 'authenticatorCode', label: 'Phone app' } });
    expect(reg.status).toBe(201);
    expect(reg.body.secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = new URL(reg.body.otpauthUri);
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('issuer')).toBe('Example Corp');
    expect(uri.searchParams.get('secret')).toBe(reg.body.secret);
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
    const bad = await t.api('POST', `/me/methods/${reg.body.method.id}/verify`, { token, body: { code: '12345' } });
    expect(bad.body.code).toBe('invalid_code');
    const code = oathtool(reg.body.secret, t.clock.now());
    const ok = await t.api('POST', `/me/methods/${reg.body.method.id}/verify`, { token, body: { code } });
    expect(ok.status).toBe(200);
    const list = await t.api('GET', '/me/methods', { token });
    expect(list.body.methods[0]).toMatchObject({ type: 'authenticatorCode', hint: 'Phone app', verified: true });
    expect(JSON.stringify(list.body)).not.toContain(reg.body.secret);
    await t.setPolicy((p) => (p.branding.organizationName = ''));
    t.server.services.policy.invalidate();
  });

  it('push: an Ed25519 device key is registered; anything else is refused', async () => {
    const token = await signedIn('yui');
    const bad = await t.api('POST', '/me/methods', { token, body: { type: 'authenticatorPush', deviceName: 'Pixel', publicKey: Buffer.alloc(44, 1).toString('base64') } });
    expect(bad.status).toBe(400);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect((await t.api('POST', '/me/methods', { token, body: { type: 'authenticatorPush', deviceName: 'Pixel', publicKey: rsa.slice(0, 200) } })).status).toBe(400);
    const { publicKey } = generateKeyPairSync('ed25519');
    const ok = await t.api('POST', '/me/methods', { token, body: { type: 'authenticatorPush', deviceName: 'Yui\'s Pixel', publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ pendingVerification: false, method: { type: 'authenticatorPush', hint: 'Yui\'s Pixel', verified: true } });
  });

  it('R9a–c: security questions are validated, stored hashed, and replace earlier ones', async () => {
    const token = await signedIn('rin');
    const q = await t.api('GET', '/me/security-questions?locale=ja', { token });
    expect(q.body.requiredToRegister).toBe(3);
    expect(q.body.questions[0]).toEqual({ id: 'p01', text: '生まれた市区町村はどこですか？' });
    const bad = await t.api('POST', '/me/methods', { token, body: { type: 'securityQuestions', answers: [{ questionId: 'p01', answer: 'tokyo' }, { questionId: 'p01', answer: 'ab' }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.violations.map((v: { rule: string }) => v.rule)).toEqual(expect.arrayContaining(['count', 'duplicateQuestion', 'answerLength']));
    const answers = [{ questionId: 'p01', answer: 'Tokyo' }, { questionId: 'p02', answer: 'Pochi' }, { questionId: 'p03', answer: 'Minato' }];
    const first = await t.api('POST', '/me/methods', { token, body: { type: 'securityQuestions', answers } });
    expect(first.status).toBe(201);
    expect(first.body.method).toMatchObject({ type: 'securityQuestions', hint: '3 questions', verified: true });
    // R26: questions cannot prove a step-up; a Temporary Access Pass can.
    await stepUpWithPass(t, token, 'rin');
    const second = await t.api('POST', '/me/methods', { token, body: { type: 'securityQuestions', answers: [...answers, { questionId: 'p04', answer: 'Ramen' }] } });
    expect(second.body.method.hint).toBe('4 questions');
    const list = (await t.api('GET', '/me/methods', { token })).body.methods;
    expect(list).toHaveLength(1);
    expect(JSON.stringify(list)).not.toMatch(/tokyo|pochi|scrypt/i);
    const stored = await t.server.services.db.selectFrom('methods').select('data').where('id', '=', second.body.method.id).executeTakeFirstOrThrow();
    expect(stored.data).not.toMatch(/tokyo|ramen/i);
  });

  it('R8 / R10: only enabled methods; administrators can never register questions', async () => {
    const token = await signedIn('kenji');
    await t.setPolicy((p) => (p.sspr.methods = ['email', 'authenticatorCode']));
    t.server.services.policy.invalidate();
    const off = await t.api('POST', '/me/methods', { token, body: { type: 'mobilePhone', number: '+81 9000000000' } });
    expect(off.status).toBe(403);
    expect(off.body.code).toBe('forbidden');
    await t.setPolicy((p) => (p.sspr.methods = ['email', 'mobilePhone', 'officePhone', 'authenticatorCode', 'authenticatorPush', 'securityQuestions']));
    t.server.services.policy.invalidate();
    const admin = await signedIn('root-admin', { isAdmin: true });
    const q = await t.api('POST', '/me/methods', { token: admin, body: { type: 'securityQuestions', answers: [{ questionId: 'p01', answer: 'Tokyo' }, { questionId: 'p02', answer: 'Pochi' }, { questionId: 'p03', answer: 'Minato' }] } });
    expect(q.status).toBe(403);
    expect(q.body.detail).toMatch(/Administrator/);
  });

  it('R6 / R17a: removing a method and confirming registration are audited; confirm answers /me/status', async () => {
    const token = await signedIn('nao');
    const reg = await t.api('POST', '/me/methods', { token, body: { type: 'securityQuestions', answers: [{ questionId: 'p01', answer: 'Osaka' }, { questionId: 'p02', answer: 'Tama' }, { questionId: 'p03', answer: 'Kita' }] } });
    await t.setPolicy((p) => (p.password.maxAgeDays = 0));
    t.server.services.policy.invalidate();
    t.clock.advanceDays(200);
    const signIn = await t.api('POST', '/auth/sign-in', { body: { username: 'nao', password: PW } });
    const fresh = signIn.body.accessToken as string;
    const due = await t.api('GET', '/me/status', { token: fresh });
    expect(due.body.registration.mustReconfirm).toBe(true);
    await stepUpWithPass(t, fresh, 'nao');
    const confirmed = await t.api('POST', '/me/registration/confirm', { token: fresh });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.registration).toMatchObject({ mustReconfirm: false, reconfirmDueAt: new Date(t.clock.now().getTime() + 180 * 86_400_000).toISOString() });
    expect((await t.api('DELETE', `/me/methods/${reg.body.method.id}`, { token: fresh })).status).toBe(204);
    expect((await t.api('DELETE', `/me/methods/${reg.body.method.id}`, { token: fresh })).body.code).toBe('not_found');
    expect((await t.api('POST', '/me/methods/nope/verify', { token: fresh, body: { code: '123456' } })).body.code).toBe('not_found');
    expect(await auditTypes('nao')).toEqual(expect.arrayContaining(['registration.add:securityQuestions:success', 'registration.confirm:-:success', 'registration.remove:securityQuestions:success']));
    expect((await t.api('GET', '/me/methods', { token })).status).toBe(401);
  });

  it('needs a signed-in user', async () => {
    expect((await t.api('GET', '/me/methods')).status).toBe(401);
    expect((await t.api('GET', '/me/methods', { token: 'garbage' })).body.code).toBe('unauthorized');
  });
});
