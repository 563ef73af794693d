import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { IPC_CHANNEL_NAMES } from '../../shared/ipc/contract.js';
import { dispatchIpc } from '../../src-main/common/ipc-dispatch.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { mailedCode, userWithEmail } from '../helpers/reset-helpers.js';
import { companionFor, type CompanionHarness } from '../helpers/companion.js';

const PW = 'Initial-Passw0rd!';
const NEW = 'Quiet-Lantern-47!';

let t: TestServer;
const harnesses: CompanionHarness[] = [];
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});
afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    h.companion.stop();
    // Leave nothing in the test keychain.
    await h.invoke('auth:signOut').catch(() => {});
  }
});

async function harness(options: Parameters<typeof companionFor>[1] = {}) {
  const h = await companionFor(t.url, { startAt: t.clock.now(), ...options });
  harnesses.push(h);
  return h;
}

describe('IPC handler table: the reset flow against the real server', () => {
  it('R13 / R18a: start → email code → checklist → new password; the session token never leaves main', async () => {
    const { address } = await userWithEmail(t, 'hana');
    const h = await harness();
    const started = await h.invoke('reset:start', { username: 'hana' });
    expect(started).toMatchObject({ state: 'verifying', gatesPassed: 0, requiredMethods: 1, passedMethodIds: [] });
    expect(started.methods).toEqual([{ id: expect.any(String), type: 'email', hint: 'h•••@mail.example' }]);
    expect(JSON.stringify(started)).not.toMatch(/sessionToken/);

    const before = t.smtp.mails.length;
    const challenge = await h.invoke('reset:challenge', { methodId: started.methods[0]!.id });
    expect(challenge.type).toBe('email');
    const code = await mailedCode(t, address, before);

    const wrong = await h.invokeError('reset:verify', { code: code === '000000' ? '111111' : '000000' });
    expect(wrong).toMatchObject({ code: 'invalid_code', status: 400, attemptsRemaining: 4 });
    // challengeId defaults to the challenge main started last.
    expect(await h.invoke('reset:verify', { code })).toEqual({ gatesPassed: 1, requiredMethods: 1, complete: true, session: expect.objectContaining({ state: 'ready', gatesPassed: 1 }) });
    expect((await h.invoke('reset:state')).state).toBe('ready');

    const weak = await h.invoke('password:check', { password: 'hana2026', purpose: 'reset' });
    expect(weak.acceptable).toBe(false);
    expect(weak.violations.map((v) => v.rule)).toEqual(expect.arrayContaining(['characterClasses', 'nameParts']));
    const strong = await h.invoke('password:check', { password: NEW, purpose: 'reset' });
    expect(strong).toMatchObject({ acceptable: true, violations: [] });
    expect(strong.strength).toBeGreaterThanOrEqual(3);

    const refused = await h.invokeError('reset:setPassword', { newPassword: 'hana' });
    expect(refused.code).toBe('password_policy');
    expect((refused.violations as { rule: string }[]).map((v) => v.rule)).toContain('minLength');

    const done = await h.invoke('reset:setPassword', { newPassword: NEW });
    expect(done.unlocked).toBe(true);
    // Completed: main forgot the token.
    expect((await h.invokeError('reset:state')).code).toBe('no_reset_session');
    expect((await t.server.services.directory.verifyPassword('hana', NEW)).ok).toBe(true);
  });

  it('cancel forgets the reset session in main and ends it on the server', async () => {
    await userWithEmail(t, 'kai');
    const h = await harness();
    const started = await h.invoke('reset:start', { username: 'kai' });
    expect(started.methods).toHaveLength(1);
    const row = () => t.server.services.db.selectFrom('reset_sessions').select('state').where('username', '=', 'kai').executeTakeFirstOrThrow();
    expect((await row()).state).toBe('verifying');
    expect(await h.invoke('reset:cancel')).toBeNull();
    expect((await h.invokeError('reset:challenge', { methodId: started.methods[0]!.id })).code).toBe('no_reset_session');
    expect((await row()).state).toBe('cancelled');
  });

  it('R13b: an unknown user gets a session of the same shape through the app', async () => {
    const h = await harness();
    const started = await h.invoke('reset:start', { username: 'nobody-here' });
    expect(started).toMatchObject({ state: 'verifying', requiredMethods: 1 });
    expect(started.methods.length).toBeGreaterThan(0);
  });
});

describe('IPC handler table: input, channels, kiosk', () => {
  it('hostile input answers invalid_input naming the field; unknown channels are refused', async () => {
    const h = await harness();
    const bad = await dispatchIpc(h.companion.handlers, 'reset:start', { username: 'a\u202eb' });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const extra = await dispatchIpc(h.companion.handlers, 'reset:start', { username: 'a', admin: true });
    expect(extra).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const nonObject = await dispatchIpc(h.companion.handlers, 'auth:signIn', 'alice:pw');
    expect(nonObject).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await dispatchIpc(h.companion.handlers, '__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
    expect(await dispatchIpc(h.companion.handlers, 'constructor', {})).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
  });

  it('every channel of the contract has a handler', async () => {
    const h = await harness();
    expect(Object.keys(h.companion.handlers).sort()).toEqual([...IPC_CHANNEL_NAMES].sort());
  });

  it('kiosk mode: the reset flow only — sign-in, me and approvals are refused', async () => {
    await t.addUser({ username: 'kiosk-user' });
    const h = await harness({ managed: { kioskMode: true } });
    expect((await h.invoke('app:getInfo')).kioskMode).toBe(true);
    for (const [channel, input] of [
      ['auth:signIn', { username: 'kiosk-user', password: PW }],
      ['me:status', undefined],
      ['me:methods', undefined],
      ['approvals:list', undefined],
      ['app:openContactAdmin', undefined],
    ] as const) {
      expect((await h.invokeError(channel, input)).code).toBe('kiosk_mode');
    }
    expect((await h.invoke('reset:start', { username: 'kiosk-user' })).state).toBe('verifying');
    // Only the language may change on a kiosk, and IT's values never.
    expect((await h.invoke('config:set', { locale: 'ja' })).locale).toBe('ja');
    expect((await h.invokeError('config:set', { serverUrl: 'https://evil.example' })).code).toBe('kiosk_mode');
  });

  it('managed settings are read-only through config:set', async () => {
    const h = await harness({ managed: { locale: 'ja', warningDays: [10, 5] } });
    const config = await h.invoke('config:get');
    expect(config).toMatchObject({ locale: 'ja', warningDays: [10, 5], managed: expect.arrayContaining(['locale', 'warningDays']) });
    const refused = await h.invokeError('config:set', { locale: 'en' });
    expect(refused).toMatchObject({ code: 'managed_setting' });
    expect(refused.detail).toContain('locale');
    expect((await h.invoke('config:set', { autoStart: false })).autoStart).toBe(false);
  });
});

describe('IPC handler table: signed-in user', () => {
  it('R15 / R16: sign-in, status (cached in the keychain), change password keeps the app signed in', async () => {
    await t.addUser({ username: 'mika', displayName: 'Mika Sato' });
    const h = await harness();
    const session = await h.invoke('auth:signIn', { username: 'mika', password: PW });
    expect(session).toEqual({ signedIn: true, user: { username: 'mika', displayName: 'Mika Sato', isAdmin: false }, offline: false, passwordChangeRequired: false });
    expect(JSON.stringify(session)).not.toMatch(/Token/);
    const status = await h.invoke('me:status');
    expect(status.stale).toBe(false);
    expect(status.status.password.expiresAt).not.toBeNull();
    expect(await h.companion.cache.status('mika')).toEqual(status.status);

    const check = await h.invoke('password:check', { password: 'Sato-2026-x', purpose: 'change' });
    expect(check.violations.map((v) => v.rule)).toContain('nameParts');

    const changed = await h.invoke('me:changePassword', { currentPassword: PW, newPassword: NEW });
    expect(changed.signedIn).toBe(true);
    // The server revoked the old tokens; main's new ones work.
    expect((await h.invoke('me:status')).stale).toBe(false);
    expect((await h.invoke('auth:session')).signedIn).toBe(true);
  });

  it('R15: an expired password holds sign-in until the change; the change token stays in main', async () => {
    await t.addUser({ username: 'noa', mustChange: true });
    const h = await harness();
    const refused = await h.invokeError('auth:signIn', { username: 'noa', password: PW });
    expect(refused.code).toBe('password_expired');
    expect(JSON.stringify(refused)).not.toMatch(/changeToken/);
    expect(await h.invoke('auth:session')).toMatchObject({ signedIn: false, passwordChangeRequired: true });
    const changed = await h.invoke('me:changePassword', { currentPassword: PW, newPassword: NEW });
    expect(changed.signedIn).toBe(true);
    expect(await h.invoke('auth:session')).toMatchObject({ signedIn: true, passwordChangeRequired: false, user: { username: 'noa' } });
  });

  it('wrong password: unauthorized, nothing remembered', async () => {
    await t.addUser({ username: 'ren' });
    const h = await harness();
    expect((await h.invokeError('auth:signIn', { username: 'ren', password: 'nope-nope' })).code).toBe('unauthorized');
    expect(await h.companion.cache.lastUser()).toBeNull();
    expect((await h.invokeError('me:status')).code).toBe('not_signed_in');
  });

  it('sign-out forgets the refresh token and the cached status', async () => {
    await t.addUser({ username: 'sae' });
    const h = await harness();
    await h.invoke('auth:signIn', { username: 'sae', password: PW });
    await h.invoke('me:status');
    expect(await h.companion.cache.refreshToken('sae')).toBeTruthy();
    expect(await h.invoke('auth:signOut')).toMatchObject({ signedIn: false });
    expect(await h.companion.cache.refreshToken('sae')).toBeNull();
    expect(await h.companion.cache.status('sae')).toBeNull();
    expect(await h.companion.cache.lastUser()).toBeNull();
  });

  it('a restart restores the session from the keychain; offline it serves the cached status as stale', async () => {
    await t.addUser({ username: 'yui' });
    const first = await harness();
    await first.invoke('auth:signIn', { username: 'yui', password: PW });
    const fresh = await first.invoke('me:status');
    first.companion.stop();
    if (!first.secrets.available) {
      console.log('keychain unavailable here (no Secret Service): restart-from-keychain part not run');
      return;
    }
    // Same keychain, same server: signed in again without a password.
    const again = await harness({ secrets: first.secrets });
    await again.companion.start();
    expect(await again.invoke('auth:session')).toMatchObject({ signedIn: true, offline: false, user: { username: 'yui' } });
    again.companion.stop();
    // Same keychain, server unreachable: offline session, stale status.
    const offline = await companionFor('http://127.0.0.1:9', { secrets: first.secrets, startAt: t.clock.now() });
    harnesses.push(offline);
    await offline.companion.start();
    expect(await offline.invoke('auth:session')).toMatchObject({ signedIn: true, offline: true });
    const stale = await offline.invoke('me:status');
    expect(stale).toEqual({ status: fresh.status, stale: true, checkedAt: fresh.status.checkedAt });
  });
});
