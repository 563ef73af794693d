/**
 * One vocabulary from the renderer to the server: each IPC channel names the API routes it
 * calls (and main calls no others), verify carries the session so no second request is
 * needed, and the live checklist checks the names the server's rule checks.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API_BASE, API_ROUTES, type RouteName } from '../../shared/api/routes.js';
import { IPC_CHANNELS, type IpcChannel } from '../../shared/ipc/contract.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { addMethod, mailedCode } from '../helpers/reset-helpers.js';
import { companionFor, type CompanionHarness } from '../helpers/companion.js';

let t: TestServer;
const harnesses: CompanionHarness[] = [];
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});
afterEach(() => {
  for (const h of harnesses.splice(0)) h.companion.stop();
});

const ROUTE_PATTERNS = (Object.keys(API_ROUTES) as RouteName[]).map((name) => ({
  name,
  method: API_ROUTES[name].method,
  pattern: new RegExp(`^${API_BASE}${API_ROUTES[name].path.replace(/\{\w+\}/g, '[^/]+')}$`),
}));

function routeOf(method: string, url: URL): RouteName {
  const hit = ROUTE_PATTERNS.find((r) => r.method === method && r.pattern.test(url.pathname));
  if (!hit) throw new Error(`main called ${method} ${url.pathname}, which is no route of the table`);
  return hit.name;
}

/** A harness whose HTTP calls are recorded as route names, per IPC channel invoked. */
async function recordingHarness() {
  const seen: RouteName[] = [];
  const recording: typeof fetch = (input, init) => {
    seen.push(routeOf(init?.method ?? 'GET', new URL(input instanceof Request ? input.url : String(input))));
    return fetch(input, init);
  };
  const h = await companionFor(t.url, { startAt: t.clock.now(), deps: { api: { timeoutMs: 5000, delay: async () => {}, fetch: recording } } });
  harnesses.push(h);
  const byChannel = new Map<IpcChannel, Set<RouteName>>();
  return {
    h,
    byChannel,
    async invoke<C extends IpcChannel>(channel: C, input?: Parameters<CompanionHarness['invoke']>[1]) {
      const from = seen.length;
      try {
        return await h.invoke(channel, input as never);
      } finally {
        const routes = byChannel.get(channel) ?? new Set<RouteName>();
        for (const r of seen.slice(from)) routes.add(r);
        byChannel.set(channel, routes);
      }
    },
  };
}

async function userNamed(username: string, displayName: string) {
  const user = await t.addUser({ username, displayName, email: `${username}@corp.example` });
  const address = `${username}.private@mail.example`;
  await addMethod(t, user, 'email', { address }, `${username[0]}•••@mail.example`);
  return address;
}

describe('IPC channels and API routes', () => {
  it('each channel calls exactly the routes the contract names for it (the reset channels and those around them)', async () => {
    const address = await userNamed('sora', 'Sora Mori');
    const r = await recordingHarness();
    await r.invoke('app:getInfo');
    await r.invoke('policy:get');
    const started = await r.invoke('reset:start', { username: 'sora' });
    await r.invoke('reset:state');
    const before = t.smtp.mails.length;
    await r.invoke('reset:challenge', { methodId: started.methods[0]!.id });
    await r.invoke('reset:verify', { code: await mailedCode(t, address, before) });
    await r.invoke('password:check', { password: 'x', purpose: 'reset' });
    await r.invoke('reset:setPassword', { newPassword: 'Quiet-Lantern-47!' });
    await r.invoke('reset:start', { username: 'sora' });
    await r.invoke('reset:cancel');
    await r.invoke('config:get');

    expect(r.byChannel.size).toBe(10);
    for (const [channel, routes] of r.byChannel) {
      // password:check and policy:get share a cached policy: the first of them fetches it.
      const declared: readonly RouteName[] = IPC_CHANNELS[channel].calls;
      for (const route of routes) expect(declared, `${channel} called ${route}`).toContain(route);
      if (channel !== 'password:check') expect([...routes].sort(), channel).toEqual([...declared].sort());
    }
  });

  it('every route a channel names exists in the table', () => {
    for (const [channel, def] of Object.entries(IPC_CHANNELS)) {
      for (const route of def.calls) expect(Object.keys(API_ROUTES), channel).toContain(route);
    }
  });
});

describe('the reset as the server tells it', () => {
  it('reset:start answers the server\'s state, and verify carries the next state (no reset:state round trip)', async () => {
    const address = await userNamed('nao', 'Nao Hirano');
    const r = await recordingHarness();
    const started = await r.invoke('reset:start', { username: 'nao' });
    expect(started).toMatchObject({ state: 'verifying', gatesPassed: 0, requiredMethods: 1, passedMethodIds: [] });
    expect(started.passwordOwner).toBeUndefined();
    const before = t.smtp.mails.length;
    await r.invoke('reset:challenge', { methodId: started.methods[0]!.id });
    const verified = await r.invoke('reset:verify', { code: await mailedCode(t, address, before) });
    expect(verified).toMatchObject({ complete: true, session: { state: 'ready', gatesPassed: 1, passedMethodIds: [started.methods[0]!.id] } });
    expect(verified.session.passwordOwner).toEqual({ username: 'nao', displayName: 'Nao Hirano', email: 'nao@corp.example' });
  });

  it('R18b: the live checklist flags a password containing the display name, as the server then would', async () => {
    const address = await userNamed('yuki', 'Yuki Watanabe');
    const r = await recordingHarness();
    const started = await r.invoke('reset:start', { username: 'yuki' });
    const withDisplayName = 'Watanabe-Lantern-47!';
    // Before the gates the account is not named to the app (R13b): only the typed name is known.
    expect((await r.invoke('password:check', { password: withDisplayName, purpose: 'reset' })).violations.map((v) => v.rule)).not.toContain('nameParts');
    const before = t.smtp.mails.length;
    await r.invoke('reset:challenge', { methodId: started.methods[0]!.id });
    await r.invoke('reset:verify', { code: await mailedCode(t, address, before) });

    const live = await r.invoke('password:check', { password: withDisplayName, purpose: 'reset' });
    expect(live.acceptable).toBe(false);
    expect(live.violations.map((v) => v.rule)).toContain('nameParts');
    const refused = await r.h.invokeError('reset:setPassword', { newPassword: withDisplayName });
    expect(refused.code).toBe('password_policy');
    expect((refused.violations as { rule: string }[]).map((v) => v.rule)).toContain('nameParts');
  });
});

describe('unlock without a new password in the app (R37)', () => {
  it('R37: reset:unlock calls only the unlock route, after a verify that said the account is locked; main then forgets the session', async () => {
    await t.setPolicy((p) => (p.sspr.unlockOnly = true));
    try {
      const address = await userNamed('rin', 'Rin Ito');
      for (let i = 0; i < 10; i++) await t.api('POST', '/auth/sign-in', { body: { username: 'rin', password: `wrong-${i}` } });
      const r = await recordingHarness();
      const started = await r.invoke('reset:start', { username: 'rin' });
      expect(started.accountLocked).toBeUndefined();
      const before = t.smtp.mails.length;
      await r.invoke('reset:challenge', { methodId: started.methods[0]!.id });
      const verified = await r.invoke('reset:verify', { code: await mailedCode(t, address, before) });
      expect(verified.session).toMatchObject({ state: 'ready', accountLocked: true, lastFailedSignInAt: t.clock.now().toISOString() });
      const done = await r.invoke('reset:unlock');
      expect(done.unlockedAt).toBe(t.clock.now().toISOString());
      expect([...r.byChannel.get('reset:unlock')!]).toEqual([...IPC_CHANNELS['reset:unlock'].calls]);
      expect((await r.h.invokeError('reset:state')).code).toBe('no_reset_session');
      expect((await t.server.services.directory.findUser('rin'))?.locked).toBe(false);
    } finally {
      await t.setPolicy((p) => delete p.sspr.unlockOnly);
    }
  });
});
