/**
 * The reset wizard's store against the REAL main handler table and the REAL server (no
 * browser): the same calls the page makes through `window.companion`, via `dispatchIpc`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IpcChannel } from '../../shared/ipc/contract.js';
import { createResetStore, type ResetStore } from '../../src-renderer/stores/reset-store.js';
import { nodeBridge, startHostMain, type HostMain } from '../e2e-host/main-process.js';
import { codeIn, hasCode } from '../helpers/smtp-peer.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const PASSWORD = 'Initial-Passw0rd!';
const ANSWERS: Record<string, string> = { p01: 'Sapporo', p02: 'Mochi', p03: 'Kita Elementary', p04: 'Ramen', p05: 'Subaru' };

let server: TestServer;
let main: HostMain;
let store: ResetStore;
/** The channels the store invoked, in order. */
const invoked: IpcChannel[] = [];

beforeEach(async () => {
  server = await startTestServer({ startAt: new Date().toISOString() });
  await server.setPolicy((p) => {
    p.sspr.methodsRequired = 1;
    p.sspr.securityQuestions.requiredToRegister = 5;
    p.sspr.securityQuestions.requiredToReset = 3;
  });
  await server.addUser({ username: 'mika', displayName: 'Mika Ono', email: 'mika@example.com', password: PASSWORD });
  await server.api('PUT', '/admin/users/mika/methods', { token: server.adminToken, body: { email: 'mika.home@example.net' } });
  const signIn = await server.api('POST', '/auth/sign-in', { body: { username: 'mika', password: PASSWORD } });
  // R26: mika holds an email already, so this sign-in steps up (with a pass) before adding questions.
  const pass = await server.api('POST', '/admin/users/mika/access-pass', { token: server.adminToken, body: {} });
  expect((await server.api('POST', '/me/step-up/pass', { token: signIn.body.accessToken, body: { pass: pass.body.pass } })).status).toBe(200);
  const registered = await server.api('POST', '/me/methods', {
    token: signIn.body.accessToken,
    body: { type: 'securityQuestions', answers: Object.entries(ANSWERS).map(([questionId, answer]) => ({ questionId, answer })) },
  });
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  main = await startHostMain(server, { emit: () => undefined });
  const bridge = nodeBridge(main);
  invoked.length = 0;
  store = createResetStore({ ...bridge, invoke: (channel, ...input) => (invoked.push(channel), bridge.invoke(channel, ...input)) }, () => server.clock.now().getTime());
});

afterEach(async () => {
  main.companion.stop();
  await server.close();
});

function method(type: string) {
  const m = store.getState().view?.methods.find((x) => x.type === type);
  if (!m) throw new Error(`no ${type} method offered`);
  return m;
}

describe('reset store', () => {
  it('R9d: a wrong answer keeps the screen, says so, and shows a fresh draw; right answers lead to the password step', async () => {
    await store.getState().start('mika');
    expect(store.getState().step).toBe('verify');
    await store.getState().choose(method('securityQuestions'));
    const first = store.getState().challenge!;
    expect(first.questions).toHaveLength(3);

    await store.getState().verifyAnswers(first.questions!.map((q) => ({ questionId: q.id, answer: 'wrong answer' })));
    const after = store.getState();
    expect(after.step).toBe('verify');
    expect(after.error?.code).toBe('invalid_answers');
    expect(after.error?.attemptsRemaining).toBe(4);
    expect(after.challenge?.challengeId).not.toBe(first.challengeId);
    expect(after.challenge?.questions).toHaveLength(3);

    // R9e: full-width and capitals are the same answer.
    const fresh = after.challenge!.questions!;
    await store.getState().verifyAnswers(fresh.map((q) => ({ questionId: q.id, answer: ANSWERS[q.id]!.toUpperCase().replace('A', 'Ａ') })));
    expect(store.getState().error).toBeNull();
    expect(store.getState().step).toBe('password');
    // Verify's answer carries the session: no reset:state round trip after a gate.
    expect(invoked).not.toContain('reset:state');
    expect(store.getState().view?.state).toBe('ready');
  });

  it('R11a: the fifth wrong code turns to the locked step with the time to come back', async () => {
    await store.getState().start('mika');
    await store.getState().choose(method('email'));
    const right = codeIn((await server.smtp.waitFor('mika.home@example.net', hasCode)).text);
    const wrong = right === '000000' ? '111111' : '000000';
    for (let left = 4; left >= 1; left--) {
      await store.getState().verifyCode(wrong);
      expect(store.getState().error).toMatchObject({ code: 'invalid_code', attemptsRemaining: left });
    }
    await store.getState().verifyCode(wrong);
    expect(store.getState().step).toBe('locked');
    const wait = store.getState().retryAt! - server.clock.now().getTime();
    expect(wait).toBeGreaterThan(23.9 * 3_600_000);
    expect(wait).toBeLessThanOrEqual(24 * 3_600_000);
  });

  it('R13: a session past its 15 minutes turns to the expired step', async () => {
    await store.getState().start('mika');
    server.clock.advanceMinutes(16);
    await store.getState().choose(method('email'));
    expect(store.getState().step).toBe('expired');
    expect(store.getState().view).toBeNull();
  });

  it('R37: a locked account past the gate: the store keeps the lock and last failure, unlock ends on done with the password kept', async () => {
    await server.setPolicy((p) => (p.sspr.unlockOnly = true));
    for (let i = 0; i < 10; i++) await server.api('POST', '/auth/sign-in', { body: { username: 'mika', password: `old-saved-${i}` } });
    await store.getState().start('mika');
    expect(store.getState().view?.accountLocked).toBeUndefined();
    await store.getState().choose(method('email'));
    await store.getState().verifyCode(codeIn((await server.smtp.waitFor('mika.home@example.net', hasCode)).text));
    expect(store.getState()).toMatchObject({ step: 'password', view: { accountLocked: true }, lastFailedSignInAt: server.clock.now().toISOString() });
    await store.getState().unlock();
    expect(store.getState()).toMatchObject({ step: 'done', unlocked: { unlockedAt: server.clock.now().toISOString() }, result: null, lastFailedSignInAt: server.clock.now().toISOString() });
    expect(invoked.at(-1)).toBe('reset:unlock');
    expect((await server.api('POST', '/auth/sign-in', { body: { username: 'mika', password: PASSWORD } })).status).toBe(200);
  });

  it('start over forgets the session in main too, and the same name can start again', async () => {
    await store.getState().start('mika');
    expect(main.companion.reset.inProgress).toBe(true);
    await store.getState().cancel();
    expect(store.getState().step).toBe('identify');
    expect(store.getState().username).toBe('');
    expect(main.companion.reset.inProgress).toBe(false);
    await store.getState().start('mika');
    expect(store.getState().step).toBe('verify');
  });

  it('R13b: an unknown user gets the same kind of screen as a real one', async () => {
    await store.getState().start('nobody-by-this-name');
    expect(store.getState().step).toBe('verify');
    expect(store.getState().view?.methods.length).toBeGreaterThan(0);
  });
});
