import { createPublicKey, verify } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IpcOutput } from '../../shared/ipc/contract.js';
import { approvalSigningString } from '../../shared/api/me.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { mailedCode, userWithEmail } from '../helpers/reset-helpers.js';
import { companionFor, type CompanionHarness } from '../helpers/companion.js';
import { DESKTOP_IDLE_MS } from '../../src-main/node/companion.js';

const PW = 'Initial-Passw0rd!';
let t: TestServer;
const harnesses: CompanionHarness[] = [];
beforeAll(async () => {
  t = await startTestServer();
  await t.setPolicy((p) => {
    p.sspr.methodsRequired = 1;
  });
});
afterAll(async () => {
  await t.close();
});
afterEach(async () => {
  for (const h of harnesses.splice(0)) {
    h.companion.stop();
    await h.invoke('auth:signOut').catch(() => {});
  }
});

async function signedIn(username: string, options: Parameters<typeof companionFor>[1] = {}) {
  await t.addUser({ username, email: `${username}@corp.example` });
  const h = await companionFor(t.url, { startAt: t.clock.now(), ...options });
  harnesses.push(h);
  await h.invoke('auth:signIn', { username, password: PW });
  await h.companion.status.settled();
  return h;
}

/** R26: the companion's sign-in proves the user's email through main's step-up channels. */
async function stepUpByEmail(h: CompanionHarness, address: string) {
  const started = await h.invoke('stepUp:start');
  const email = started.methods.find((m) => m.type === 'email')!;
  const before = t.smtp.mails.length;
  await h.invoke('stepUp:challenge', { methodId: email.id });
  const proven = await h.invoke('stepUp:verify', { code: await mailedCode(t, address, before) });
  expect(proven.required).toBe(false);
}

/** Waits (real time, bounded) for async work a timer started: network calls do not run on the manual clock. */
async function eventually<T>(read: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const v = read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('IPC handler table: registration (R4–R8)', () => {
  it('R5 / R8: register an email by code, it counts as registered, the nudge stops; delete removes it', async () => {
    const h = await signedIn('lena');
    expect(h.eventsOf('registration:nudge').at(-1)).toMatchObject({ kind: 'register' });
    const before = t.smtp.mails.length;
    const reg = await h.invoke('me:register', { type: 'email', address: 'lena.home@mail.example' });
    expect(reg).toMatchObject({ pendingVerification: true, method: { type: 'email', verified: false } });
    const code = await mailedCode(t, 'lena.home@mail.example', before);
    expect((await h.invokeError('me:verifyMethod', { methodId: reg.method.id, code: code === '000000' ? '111111' : '000000' })).code).toBe('invalid_code');
    expect((await h.invoke('me:verifyMethod', { methodId: reg.method.id, code })).method.verified).toBe(true);
    const status = await h.invoke('me:status');
    expect(status.status.registration).toMatchObject({ registered: true, mustRegister: false });
    expect((await h.invoke('me:methods')).methods.map((m) => m.type)).toEqual(['email']);

    expect((await h.invokeError('me:deleteMethod', { methodId: reg.method.id })).code).toBe('step_up_required');
    await stepUpByEmail(h, 'lena.home@mail.example');
    expect(await h.invoke('me:deleteMethod', { methodId: reg.method.id })).toBeNull();
    expect((await h.invoke('me:methods')).methods).toEqual([]);
  });

  it('R9: security questions listed in the app\'s language and registered', async () => {
    const h = await signedIn('omar');
    const list = await h.invoke('me:securityQuestions');
    expect(list.requiredToRegister).toBe(3);
    const ja = await h.invoke('me:securityQuestions', { locale: 'ja' });
    expect(ja.questions[0]!.text).not.toBe(list.questions[0]!.text);
    const answers = list.questions.slice(0, 3).map((q, i) => ({ questionId: q.id, answer: ['Kyoto blue', 'Sakura', 'Tanuki'][i]! }));
    const reg = await h.invoke('me:register', { type: 'securityQuestions', answers });
    expect(reg.method.type).toBe('securityQuestions');
    expect(JSON.stringify(reg)).not.toContain('Tanuki');
    const same = await h.invokeError('me:register', { type: 'securityQuestions', answers: answers.map((a) => ({ ...a, answer: 'same answer' })) });
    expect(same.code).toBe('invalid_request');
  });

  it('R6: reconfirming answers the fresh status and caches it', async () => {
    await userWithEmail(t, 'pia');
    const h = await companionFor(t.url, { startAt: t.clock.now() });
    harnesses.push(h);
    await h.invoke('auth:signIn', { username: 'pia', password: PW });
    await stepUpByEmail(h, 'pia.private@mail.example');
    const confirmed = await h.invoke('me:confirmRegistration');
    expect(confirmed.stale).toBe(false);
    expect(confirmed.status.registration.mustReconfirm).toBe(false);
    expect(await h.companion.cache.status('pia')).toEqual(confirmed.status);
  });
});

describe('IPC handler table: push approvals (R3, number matching)', () => {
  describe('R3: main makes the device key, registers it, announces a reset elsewhere, and signs the decision', () => {
    // Each case: a fresh signed-in user whose companion registered this device for push.
    let n = 0;
    let h: CompanionHarness;
    let reg: IpcOutput<'me:register'>;
    let username: string;
    beforeEach(async () => {
      username = `nils${++n}`;
      h = await signedIn(username);
      reg = await h.invoke('me:register', { type: 'authenticatorPush', deviceName: 'Nils laptop' });
    });

    /** Another computer starts a reset and picks push: its session token and the number to match. */
    async function resetElsewhere() {
      const started = await t.api('POST', '/reset/sessions', { body: { username } });
      const push = started.body.methods.find((m: { type: string }) => m.type === 'authenticatorPush');
      const challenge = await t.api('POST', '/reset/session/challenges', { token: started.body.sessionToken, body: { methodId: push.id } });
      return { started, challenge };
    }

    /** Main's watcher polls on its clock: the announced approval. */
    async function announced() {
      await h.time.advance(5_000);
      return eventually(() => h.eventsOf('approval:request')[0], 'approval:request');
    }

    it('R3: the device is registered and verified; the private key stays in main\'s keychain cache', async () => {
      expect(reg.method).toMatchObject({ type: 'authenticatorPush', verified: true });
      // The private key stays in main's keychain cache; the server got the public half.
      const key = await h.companion.cache.pushKey(username);
      expect(key).toMatchObject({ methodId: reg.method.id });
      expect(JSON.stringify(reg)).not.toContain(key!.privateKey);
    });

    it('R3: a reset elsewhere is announced once (event + notification), listed, and approved with the number', async () => {
      const { started, challenge } = await resetElsewhere();
      expect(challenge.status).toBe(201);
      const number = challenge.body.numberMatch as number;

      // Main's watcher polls on its clock and announces it once (event + notification).
      const first = await announced();
      expect(first.approval.status).toBe('waiting');
      expect(h.notifications.filter((x) => x.tag === 'approval')).toEqual([expect.objectContaining({ screen: 'approvals' })]);
      await h.time.advance(5_000);
      await new Promise((r) => setTimeout(r, 100));
      expect(h.eventsOf('approval:request')).toHaveLength(1);

      const list = await h.invoke('approvals:list');
      expect(list.pushMethodId).toBe(reg.method.id);
      expect(list.approvals.map((a) => a.id)).toContain(first.approval.id);

      const decided = await h.invoke('approvals:decide', { approvalId: first.approval.id, approve: true, number });
      expect(decided.status).toBe('approved');
      const state = await t.api('GET', '/reset/session', { token: started.body.sessionToken });
      expect(state.body).toMatchObject({ gatesPassed: 1, state: 'ready' });
    });

    it('R3: what main signs verifies with the registered public key (the server checks the same)', async () => {
      const key = await h.companion.cache.pushKey(username);
      const pub = createPublicKey({ key: Buffer.from(key!.publicKey, 'base64'), format: 'der', type: 'spki' });
      const { signApproval } = await import('../../src-main/node/push-key.js');
      const sig = signApproval(key!.privateKey, 'a1', true, 42);
      expect(verify(null, Buffer.from(approvalSigningString('a1', true, 42)), pub, Buffer.from(sig, 'base64'))).toBe(true);
    });

    it('R26 / R31: removing the push method forgets the device key: nothing left to approve with', async () => {
      const { challenge } = await resetElsewhere();
      const pending = await announced();
      // (R26, R31: first this sign-in steps up, here with a pass from the administrator.)
      const pass = await t.api('POST', `/admin/users/${username}/access-pass`, { token: t.adminToken, body: {} });
      expect((await h.invoke('stepUp:pass', { pass: pass.body.pass })).required).toBe(false);
      await h.invoke('me:deleteMethod', { methodId: reg.method.id });
      expect(await h.companion.cache.pushKey(username)).toBeNull();
      expect((await h.invokeError('approvals:decide', { approvalId: pending.approval.id, approve: true, number: challenge.body.numberMatch })).code).toBe('forbidden');
    });
  });
});

describe('IPC handler table: kiosk idle, settings, contact', () => {
  it('kiosk idle timeout: the reset is cancelled on the server, the visitor\'s language forgotten, the renderer told', async () => {
    await userWithEmail(t, 'quinn');
    const h = await companionFor(t.url, { startAt: t.clock.now(), managed: { kioskMode: true, idleTimeoutSeconds: 60 } });
    harnesses.push(h);
    await h.companion.start();
    await h.invoke('config:set', { locale: 'ja' });
    await h.invoke('reset:start', { username: 'quinn' });
    await h.time.advance(59_000);
    expect(h.eventsOf('idle:reset')).toHaveLength(0);
    await h.invoke('app:activity');
    await h.time.advance(59_000);
    expect(h.eventsOf('idle:reset')).toHaveLength(0);
    await h.time.advance(1_000);
    await eventually(() => h.eventsOf('idle:reset')[0], 'idle:reset');
    expect((await h.invokeError('reset:state')).code).toBe('no_reset_session');
    const row = await t.server.services.db.selectFrom('reset_sessions').select('state').where('username', '=', 'quinn').executeTakeFirstOrThrow();
    expect(row.state).toBe('cancelled');
    expect((await h.invoke('config:get')).locale).toBe('en');
  });

  it('desktop: waiting minutes for a code keeps the reset; it is forgotten when the server session would end', async () => {
    await userWithEmail(t, 'rosa');
    const h = await companionFor(t.url, { startAt: t.clock.now(), managed: { idleTimeoutSeconds: 120 } });
    harnesses.push(h);
    await h.companion.start();
    await h.time.advance(DESKTOP_IDLE_MS + 1_000);
    expect(h.eventsOf('idle:reset')).toHaveLength(0);
    await h.invoke('reset:start', { username: 'rosa' });
    // The kiosk timeout (120 s) does not apply on a person's own desktop.
    await h.time.advance(DESKTOP_IDLE_MS - 1_000);
    expect(h.eventsOf('idle:reset')).toHaveLength(0);
    await h.time.advance(1_000);
    await eventually(() => h.eventsOf('idle:reset')[0], 'idle:reset');
    expect((await h.invokeError('reset:state')).code).toBe('no_reset_session');
  });

  it('changing the server URL forgets the reset in progress and the cached policy', async () => {
    await userWithEmail(t, 'sven');
    const h = await companionFor(t.url, { startAt: t.clock.now() });
    harnesses.push(h);
    await h.invoke('reset:start', { username: 'sven' });
    const changed = await h.invoke('config:set', { serverUrl: 'https://sspr.other.example' });
    expect(changed.serverUrl).toBe('https://sspr.other.example');
    expect((await h.invokeError('reset:state')).code).toBe('no_reset_session');
  });

  it('R20: "contact your administrator" opens the managed address (mailto) — or says none is set', async () => {
    const h = await companionFor(t.url, { startAt: t.clock.now(), managed: { branding: { contactAdmin: 'it-help@corp.example' } } });
    harnesses.push(h);
    expect(await h.invoke('app:openContactAdmin')).toBeNull();
    expect(h.opened).toEqual(['mailto:it-help@corp.example']);
    const none = await companionFor(t.url, { startAt: t.clock.now() });
    harnesses.push(none);
    expect((await none.invokeError('app:openContactAdmin')).code).toBe('not_found');
    const unsafe = await companionFor(t.url, { startAt: t.clock.now(), managed: { branding: { contactAdmin: 'javascript:alert(1)' } } });
    harnesses.push(unsafe);
    expect((await unsafe.invokeError('app:openContactAdmin')).code).toBe('forbidden');
    expect(unsafe.opened).toEqual([]);
  });
});
