import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { addMethod, mailedCode, methodOf, userWithEmail } from '../helpers/reset-helpers.js';
import { issuePass, stepUpByEmail, stepUpWithPass, INITIAL_PASSWORD, pushKey, signIn as signInAs } from '../helpers/step-up-helpers.js';

/**
 * Issue 9: a stolen password never becomes reset power. The attacker below knows only the
 * victim's password; every step that would give them a method of their own is refused.
 */
let t: TestServer;
const PW = INITIAL_PASSWORD;
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

const signIn = (username: string) => signInAs(t, username);

/** Everything the attacker would try to plant a method of their own, each answered `step_up_required`. */
async function attackerPlantsMethods(token: string) {
  const totp = await t.api('POST', '/me/methods', { token, body: { type: 'authenticatorCode', label: 'attacker' } });
  expect(totp.status).toBe(403);
  expect(totp.body.code).toBe('step_up_required');
  const push = await t.api('POST', '/me/methods', { token, body: { type: 'authenticatorPush', deviceName: 'attacker phone', publicKey: pushKey() } });
  expect(push.status).toBe(403);
  expect(push.body.code).toBe('step_up_required');
  const email = await t.api('POST', '/me/methods', { token, body: { type: 'email', address: 'attacker@evil.example' } });
  expect(email.body.code).toBe('step_up_required');
}

// First: the bootstrap token issues passes only until a two-method administrator exists (R33).
describe('first methods (R27)', () => {
  it('R27: an ordinary user with none registers with the password alone; not once one exists; not when the policy says no', async () => {
    await t.addUser({ username: 'hire', email: 'hire@corp.example' });
    const s = await signIn('hire');
    expect((await t.api('GET', '/me/step-up', { token: s.access })).body).toEqual({ provenUntil: null, required: false, hasMethods: false });
    const push = await t.api('POST', '/me/methods', { token: s.access, body: { type: 'authenticatorPush', deviceName: 'Hire phone', publicKey: pushKey() } });
    expect(push.status).toBe(201);
    const second = await t.api('POST', '/me/methods', { token: s.access, body: { type: 'authenticatorCode' } });
    expect(second.body.code).toBe('step_up_required');

    await t.addUser({ username: 'hire2', email: 'hire2@corp.example' });
    await t.setPolicy((p) => (p.sspr.firstMethodsWithPassword = false));
    t.server.services.policy.invalidate();
    const s2 = await signIn('hire2');
    const refused = await t.api('POST', '/me/methods', { token: s2.access, body: { type: 'authenticatorCode' } });
    expect(refused.body).toMatchObject({ code: 'step_up_required', detail: expect.stringMatching(/Temporary Access Pass/) });
    await stepUpWithPass(t, s2.access, 'hire2');
    expect((await t.api('POST', '/me/methods', { token: s2.access, body: { type: 'authenticatorCode' } })).status).toBe(201);
    await t.setPolicy((p) => (p.sspr.firstMethodsWithPassword = true));
    t.server.services.policy.invalidate();
  });

  it('R27, R31: an administrator\'s first methods come with a Temporary Access Pass', async () => {
    await t.addUser({ username: 'firstadmin', email: 'firstadmin@corp.example', isAdmin: true });
    const s = await signIn('firstadmin');
    const pass = await issuePass(t, 'firstadmin');
    expect((await t.api('POST', '/me/step-up/pass', { token: s.access, body: { pass: pass.toLowerCase() } })).status).toBe(200);
    const reg = await t.api('POST', '/me/methods', { token: s.access, body: { type: 'authenticatorCode' } });
    expect(reg.status).toBe(201);
  });
});

describe('the attack of issue 9, over HTTP', () => {
  it('R26, R10: an administrator\'s password alone buys no method, no admin token, no policy', async () => {
    const { user } = await userWithEmail(t, 'boss', { isAdmin: true });
    await addMethod(t, user, 'authenticatorCode', { secret: TOTP_SECRET, algorithm: 'SHA1', digits: 6, period: 30 }, 'Authenticator app');
    // 1. the password → an access token (that much a password still buys)
    const attacker = await signIn('boss');
    // 2. plant an authenticator and a push device → refused
    await attackerPlantsMethods(attacker.access);
    // ... also after first removing the victim's methods → the removal is refused too
    const mine = (await t.api('GET', '/me/methods', { token: attacker.access })).body.methods as Array<{ id: string; source: string }>;
    for (const m of mine.filter((x) => x.source !== 'directory')) {
      const removed = await t.api('DELETE', `/me/methods/${m.id}`, { token: attacker.access });
      expect(removed.status).toBe(403);
      expect(removed.body.code).toBe('step_up_required');
    }
    expect((await t.api('POST', '/me/registration/confirm', { token: attacker.access })).body.code).toBe('step_up_required');
    await attackerPlantsMethods(attacker.access);
    // A step-up offers only the victim's own methods; without their codes it never completes.
    const stepUp = await t.api('POST', '/me/step-up', { token: attacker.access });
    expect(stepUp.status).toBe(201);
    expect(stepUp.body.methods.map((m: { type: string }) => m.type).sort()).toEqual(['authenticatorCode', 'email']);
    const early = await t.api('POST', '/me/step-up/complete', { token: attacker.access, body: { sessionToken: stepUp.body.sessionToken } });
    expect(early.body.code).toBe('gates_incomplete');
    const guess = await t.api('POST', '/me/step-up/pass', { token: attacker.access, body: { pass: 'AAAA-BBBB-CCCC-DDDD' } });
    expect(guess.body.code).toBe('invalid_code');
    // A step-up session never sets a password either.
    expect((await t.api('POST', '/reset/session/password', { token: stepUp.body.sessionToken, body: { newPassword: 'Quiet-Harbor-Lantern-72' } })).status).toBe(403);
    // 3. the administrator sign-in with the password → two of the victim's methods still to pass
    const admin = await t.api('POST', '/auth/admin/sessions', { body: { username: 'boss', password: PW } });
    expect(admin.status).toBe(201);
    expect(admin.body.methods.map((m: { type: string }) => m.type).sort()).toEqual(['authenticatorCode', 'email']);
    const token = await t.api('POST', '/auth/admin/token', { token: admin.body.sessionToken });
    expect(token.status).toBe(409);
    expect(token.body.code).toBe('gates_incomplete');
    const policy = await t.api('GET', '/admin/policy', { token: attacker.access });
    expect(policy.status).toBe(403);
    // Nothing was planted, nothing removed.
    const after = await t.server.services.methods.list(user.id);
    expect(after.map((m) => m.type).sort()).toEqual(['authenticatorCode', 'email']);
  });

  it('R27: an administrator without methods cannot register any with the password alone', async () => {
    await t.addUser({ username: 'newboss', email: 'newboss@corp.example', isAdmin: true });
    const attacker = await signIn('newboss');
    const totp = await t.api('POST', '/me/methods', { token: attacker.access, body: { type: 'authenticatorCode' } });
    expect(totp.body).toMatchObject({ code: 'step_up_required', detail: expect.stringMatching(/Temporary Access Pass/) });
    const push = await t.api('POST', '/me/methods', { token: attacker.access, body: { type: 'authenticatorPush', deviceName: 'x', publicKey: pushKey() } });
    expect(push.body.code).toBe('step_up_required');
    const status = await t.api('GET', '/me/step-up', { token: attacker.access });
    expect(status.body).toEqual({ provenUntil: null, required: true, hasMethods: false });
    expect((await t.api('POST', '/me/step-up', { token: attacker.access })).body.code).toBe('step_up_required');
    const admin = await t.api('POST', '/auth/admin/sessions', { body: { username: 'newboss', password: PW } });
    expect(admin.status).toBe(403);
  });

  it('R26: an ordinary user\'s methods are as safe: adding, removing and reconfirming need a step-up', async () => {
    const { user } = await userWithEmail(t, 'clerk');
    const attacker = await signIn('clerk');
    await attackerPlantsMethods(attacker.access);
    const [m] = await t.server.services.methods.list(user.id);
    expect((await t.api('DELETE', `/me/methods/${m!.id}`, { token: attacker.access })).body.code).toBe('step_up_required');
    expect((await t.api('POST', '/me/registration/confirm', { token: attacker.access })).body.code).toBe('step_up_required');
    const audit = await t.server.services.db.selectFrom('audit_events').select(['type', 'result']).where('username', '=', 'clerk').where('type', '=', 'registration.stepup').execute();
    expect(audit.filter((a) => a.result === 'denied').length).toBeGreaterThanOrEqual(5);
  });
});

describe('step-up (R26)', () => {
  it('R26: a proof is bound to the sign-in that made it and lasts ten minutes', async () => {
    const { address } = await userWithEmail(t, 'aiko');
    const victim = await signIn('aiko');
    const other = await signIn('aiko');
    const status = await stepUpByEmail(t, victim.access, address);
    expect(status).toMatchObject({ required: false, hasMethods: true, provenUntil: new Date(t.clock.now().getTime() + 600_000).toISOString() });
    // The other sign-in (the attacker's) gains nothing from the victim's proof.
    expect((await t.api('POST', '/me/methods', { token: other.access, body: { type: 'authenticatorCode' } })).body.code).toBe('step_up_required');
    // Nor can it finish a step-up session another sign-in proved.
    const started = await t.api('POST', '/me/step-up', { token: victim.access });
    const before = t.smtp.mails.length;
    const ch = await t.api('POST', '/reset/session/challenges', { token: started.body.sessionToken, body: { methodId: methodOf(started.body, 'email') } });
    const code = await mailedCode(t, address, before);
    expect((await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: started.body.sessionToken, body: { code } })).status).toBe(200);
    expect((await t.api('POST', '/me/step-up/complete', { token: other.access, body: { sessionToken: started.body.sessionToken } })).body.code).toBe('session_expired');

    const reg = await t.api('POST', '/me/methods', { token: victim.access, body: { type: 'authenticatorCode' } });
    expect(reg.status).toBe(201);
    // Access tokens live 15 minutes; a refreshed one keeps the sign-in and its proof.
    t.clock.advance(9 * 60_000);
    const refreshed = await t.api('POST', '/auth/refresh', { body: { refreshToken: victim.refresh } });
    expect(refreshed.status).toBe(200);
    expect((await t.api('POST', '/me/registration/confirm', { token: refreshed.body.accessToken })).status).toBe(200);
    t.clock.advance(60_001);
    const late = await t.api('POST', '/me/registration/confirm', { token: refreshed.body.accessToken });
    expect(late.body.code).toBe('step_up_required');
  });

  it('R26: security questions do not prove a step-up; push and codes do', async () => {
    const u = await t.addUser({ username: 'quiz', email: 'quiz@corp.example' });
    await addMethod(t, u, 'securityQuestions', { questions: [] } as never, '3 questions');
    const s = await signIn('quiz');
    const started = await t.api('POST', '/me/step-up', { token: s.access });
    expect(started.body.code).toBe('step_up_required');
    expect((await t.api('GET', '/me/step-up', { token: s.access })).body).toEqual({ provenUntil: null, required: true, hasMethods: false });
  });
});

describe('other sessions end (R28)', () => {
  it('R28: removing a method signs every other sign-in out; this one stays', async () => {
    const { user, address } = await userWithEmail(t, 'sora');
    const extra = await addMethod(t, user, 'authenticatorCode', { secret: TOTP_SECRET, algorithm: 'SHA1', digits: 6, period: 30 }, 'App');
    const mine = await signIn('sora');
    const theirs = await signIn('sora');
    await stepUpByEmail(t, mine.access, address);
    expect((await t.api('DELETE', `/me/methods/${extra}`, { token: mine.access })).status).toBe(204);
    expect((await t.api('GET', '/me/methods', { token: theirs.access })).status).toBe(401);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: theirs.refresh } })).status).toBe(401);
    expect((await t.api('GET', '/me/methods', { token: mine.access })).status).toBe(200);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: mine.refresh } })).status).toBe(200);
  });

  it('R28: a password change ends every sign-in and refresh token', async () => {
    await t.addUser({ username: 'kai', email: 'kai@corp.example' });
    const mine = await signIn('kai');
    const theirs = await signIn('kai');
    const changed = await t.api('POST', '/me/password', { token: mine.access, body: { currentPassword: PW, newPassword: 'Quiet-Harbor-Lantern-72' } });
    expect(changed.status).toBe(200);
    expect((await t.api('GET', '/me/methods', { token: theirs.access })).status).toBe(401);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: theirs.refresh } })).status).toBe(401);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: mine.refresh } })).status).toBe(401);
  });
});
