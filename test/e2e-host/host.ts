/**
 * The Playwright test host: the REAL server (loopback, real SMTP peer), the REAL main-process
 * handler table (src-main's Companion, plain deps: config, an in-memory keychain, a manual
 * clock and timers, an event sink pointed at the page), and the BUILT renderer
 * (dist/renderer) served from loopback. `window.companion` in the page has the preload's
 * shape and goes through `dispatchIpc`, the same checks Electron's ipcMain adapter applies.
 */
import type { Page } from '@playwright/test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { startHostMain, type HostMain, type MainOptions } from './main-process.js';
import { installBridge, pageEventSink } from './page-bridge.js';
import { serveStatic, type StaticServer } from './static-server.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RENDERER_DIST = path.join(REPO_ROOT, 'dist/renderer');

export interface HostOptions extends MainOptions {
  /** Server settings, e.g. an LDAP directory (`SSPR_DIRECTORY_URL`…). */
  serverEnv?: Record<string, string>;
  /**
   * Another host's server: this host is then a second device (its own main, keychain and
   * page) of the same deployment. The server stays the other host's to close.
   */
  sharedServer?: TestServer;
}

export interface E2eHost extends Omit<HostMain, 'invoke'> {
  server: TestServer;
  events: ReturnType<typeof pageEventSink>;
  appUrl: string;
  /** Installs `window.companion` on the page, loads the renderer, waits for its first screen. */
  open(page: Page): Promise<void>;
  /** Moves main's and the server's clocks together (timers due in between fire). */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function startE2eHost(options: HostOptions = {}): Promise<E2eHost> {
  // Both clocks start at the real time: the page's own Date (retry times) stays truthful.
  // (A second device shares the server, so its main starts at the server's time.)
  const shared = options.sharedServer ?? null;
  const server = shared ?? (await startTestServer({ startAt: new Date().toISOString(), ...(options.serverEnv ? { env: options.serverEnv } : {}) }));
  const web: StaticServer = await serveStatic(RENDERER_DIST);
  let current: Page | null = null;
  const events = pageEventSink(() => current);
  const main = await startHostMain(server, events, { ...options, instanceId: shared ? 'e2e-host-2' : 'e2e-host' });
  const { companion, time, notifications, logonExits, clipboard } = main;

  return {
    server,
    companion,
    time,
    notifications,
    logonExits,
    clipboard,
    events,
    appUrl: web.url,
    async open(page) {
      current = page;
      await installBridge(page, main.invoke);
      await page.goto(web.url);
      await page.locator('[data-screen]:not([data-screen="loading"])').first().waitFor();
    },
    async advance(ms) {
      server.clock.advance(ms);
      await time.advance(ms);
    },
    async close() {
      companion.stop();
      await web.close();
      if (!shared) await server.close();
    },
  };
}
