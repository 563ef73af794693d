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
import type { Locale } from '../../shared/api/common.js';
import type { BrandingOverride, ManagedConfig } from '../../shared/ipc/config.js';
import { dispatchIpc } from '../../src-main/common/ipc-dispatch.js';
import type { NativeNotification } from '../../src-main/common/notification-text.js';
import { Companion } from '../../src-main/node/companion.js';
import { ConfigService } from '../../src-main/node/config-service.js';
import type { SecretStore } from '../../src-main/node/secret-store.js';
import { ManualTime } from '../app-main/helpers/manual-time.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { installBridge, pageEventSink } from './page-bridge.js';
import { serveStatic, type StaticServer } from './static-server.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const RENDERER_DIST = path.join(REPO_ROOT, 'dist/renderer');

export interface HostOptions {
  /** Managed config: kiosk mode (reset flow only, idle wipe). */
  kiosk?: boolean;
  idleTimeoutSeconds?: number;
  /** The OS locale main starts in. */
  locale?: Locale;
  branding?: BrandingOverride;
  warningDays?: number[];
  /** Server settings, e.g. an LDAP directory (`SSPR_DIRECTORY_URL`…). */
  serverEnv?: Record<string, string>;
  /**
   * Another host's server: this host is then a second device (its own main, keychain and
   * page) of the same deployment. The server stays the other host's to close.
   */
  sharedServer?: TestServer;
}

/** Secrets in memory: the host runs outside a D-Bus session; nothing reaches the disk. */
class MemorySecretStore implements SecretStore {
  readonly available = true;
  readonly unavailableReason = null;
  private readonly values = new Map<string, string>();
  async get(account: string) {
    return this.values.get(account) ?? null;
  }
  async set(account: string, value: string) {
    this.values.set(account, value);
  }
  async delete(account: string) {
    return this.values.delete(account);
  }
}

export interface E2eHost {
  server: TestServer;
  companion: Companion;
  /** Main's clock and timers (idle timeout, status checks); `advance` moves it with the server's. */
  time: ManualTime;
  notifications: NativeNotification[];
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
  const startAt = server.clock.now().toISOString();
  const web: StaticServer = await serveStatic(RENDERER_DIST);
  const time = new ManualTime(startAt);
  const managed: ManagedConfig = {
    ...(options.kiosk ? { kioskMode: true } : {}),
    ...(options.idleTimeoutSeconds ? { idleTimeoutSeconds: options.idleTimeoutSeconds } : {}),
    ...(options.branding ? { branding: options.branding } : {}),
    ...(options.warningDays ? { warningDays: options.warningDays } : {}),
  };
  let current: Page | null = null;
  const events = pageEventSink(() => current);
  const notifications: NativeNotification[] = [];
  const companion = new Companion({
    app: { name: 'SSPR Companion', version: '0.0.0-e2e', platform: 'linux', instanceId: shared ? 'e2e-host-2' : 'e2e-host' },
    config: ConfigService.plain(server.url, managed, options.locale ?? 'en'),
    secrets: new MemorySecretStore(),
    clock: time,
    timers: time,
    notifier: { show: (n) => notifications.push(n) },
    events,
    api: { timeoutMs: 5000, maxAttempts: 1 },
  });
  await companion.start();

  return {
    server,
    companion,
    time,
    notifications,
    events,
    appUrl: web.url,
    async open(page) {
      current = page;
      await installBridge(page, (channel, input) => dispatchIpc(companion.handlers, channel, input));
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
