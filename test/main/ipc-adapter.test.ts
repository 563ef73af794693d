import { describe, expect, it } from 'vitest';
import { ELECTRON_INVOKE_CHANNEL } from '../../shared/ipc/contract.js';
import { isAppPageUrl } from '../../src-main/common/window-options.js';
import { registerIpc, type InvokeRegistrar, type SenderEvent } from '../../src-main/common/ipc-registration.js';
import { companionFor } from '../helpers/companion.js';

/** ipcMain's registration surface (a seam: the adapter's logic runs as in Electron). */
class Registrar implements InvokeRegistrar {
  readonly listeners = new Map<string, (event: SenderEvent, ...args: unknown[]) => Promise<unknown>>();
  handle(channel: string, listener: (event: SenderEvent, ...args: unknown[]) => Promise<unknown>) {
    if (this.listeners.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.listeners.set(channel, listener);
  }
  removeHandler(channel: string) {
    this.listeners.delete(channel);
  }
  call(event: SenderEvent, channel: unknown, input?: unknown) {
    const l = this.listeners.get(ELECTRON_INVOKE_CHANNEL);
    if (!l) throw new Error('no handler');
    return l(event, channel, input) as Promise<any>;
  }
}

const RENDERER_DIR = '/opt/sspr/resources/app.asar/dist/renderer';
const appFrame = (url = 'file:///opt/sspr/resources/app.asar/dist/renderer/index.html') => ({ senderFrame: { url, parent: null } });

async function setup() {
  const h = await companionFor(null, { secrets: undefined });
  const registrar = new Registrar();
  const unregister = registerIpc(registrar, h.companion.handlers, { isAppPage: (url) => isAppPageUrl(url, RENDERER_DIR) });
  return { h, registrar, unregister };
}

describe('ipcMain adapter', () => {
  it('registers one invoke channel and serves the handler table to the app page', async () => {
    const { registrar, unregister } = await setup();
    expect([...registrar.listeners.keys()]).toEqual([ELECTRON_INVOKE_CHANNEL]);
    const r = await registrar.call(appFrame(), 'app:getInfo', null);
    expect(r).toMatchObject({ ok: true, value: { name: 'SSPR Companion', instanceId: 'app-test-1' } });
    unregister();
    expect(registrar.listeners.size).toBe(0);
  });

  it.each([
    ['another origin', { senderFrame: { url: 'https://evil.example/', parent: null } }],
    ['a file outside the renderer', { senderFrame: { url: 'file:///tmp/evil.html', parent: null } }],
    ['a sub-frame of the app page', { senderFrame: { url: 'file:///opt/sspr/resources/app.asar/dist/renderer/index.html', parent: {} } }],
    ['a destroyed frame', { senderFrame: null }],
  ])('refuses calls from %s before parsing anything', async (_name, event) => {
    const { registrar } = await setup();
    expect(await registrar.call(event as SenderEvent, 'config:get', null)).toEqual({ ok: false, error: { code: 'forbidden', detail: expect.any(String) } });
  });

  it('validates every payload with the channel schema', async () => {
    const { registrar } = await setup();
    expect(await registrar.call(appFrame(), 'reset:start', { username: 42 })).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'username' }] } });
    expect(await registrar.call(appFrame(), 'config:set', { serverUrl: 'http://sspr.example.com' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await registrar.call(appFrame(), 'nope:nope', {})).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
    expect(await registrar.call(appFrame(), { toString: () => 'config:get' }, {})).toMatchObject({ ok: false, error: { code: 'unknown_channel' } });
  });

  it('without a server configured, network channels answer not_configured', async () => {
    const { registrar } = await setup();
    expect(await registrar.call(appFrame(), 'policy:get', null)).toMatchObject({ ok: false, error: { code: 'not_configured' } });
  });
});
