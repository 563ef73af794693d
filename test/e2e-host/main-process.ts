/**
 * Main's core as the test host runs it: the REAL handler table (src-main's Companion) with
 * plain deps — config pointing at the test server, an in-memory keychain, a manual clock
 * and timers, an event sink of the caller's choosing. Used by the Playwright host and by
 * the renderer store tests, which call it through `dispatchIpc` as the bridge does.
 */
import type { Locale } from '../../shared/api/common.js';
import type { BrandingOverride, ManagedConfig } from '../../shared/ipc/config.js';
import type { CompanionBridge, IpcEventSink } from '../../shared/ipc/contract.js';
import { dispatchIpc } from '../../src-main/common/ipc-dispatch.js';
import type { NativeNotification } from '../../src-main/common/notification-text.js';
import { Companion } from '../../src-main/node/companion.js';
import { ConfigService } from '../../src-main/node/config-service.js';
import { UnavailableSecretStore, type SecretStore } from '../../src-main/node/secret-store.js';
import { ManualTime } from '../helpers/manual-time.js';
import type { TestServer } from '../helpers/test-server.js';

export interface MainOptions {
  /** Managed config: kiosk mode (reset flow only, idle wipe). */
  kiosk?: boolean;
  idleTimeoutSeconds?: number;
  /** The OS locale main starts in. */
  locale?: Locale;
  branding?: BrandingOverride;
  warningDays?: number[];
  instanceId?: string;
  /** The OS main believes it runs on, and its signed-in account (after-reset guidance). */
  platform?: string;
  osUsername?: string;
  /** Main points at this server URL instead (e.g. a port nothing listens on). */
  serverUrl?: string;
  /** Logon mode as main.ts sets it up: kiosk forced, no keychain, no OS shell, exit codes. */
  logon?: boolean;
  /** false: this computer has no keychain (main remembers nothing). */
  keychain?: boolean;
  /** As if started with `--diagnose`. */
  openDiagnosis?: boolean;
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

export interface HostMain {
  companion: Companion;
  /** Main's clock and timers, starting at the server's time. */
  time: ManualTime;
  notifications: NativeNotification[];
  /** Logon mode: the exit codes main would have ended the process with. */
  logonExits: number[];
  /** What main put on the OS clipboard ("Copy report"), oldest first. */
  clipboard: string[];
  /** What the preload would expose, served by the real table through `dispatchIpc`. */
  invoke(channel: string, input: unknown): Promise<unknown>;
}

export async function startHostMain(server: TestServer, events: IpcEventSink, options: MainOptions = {}): Promise<HostMain> {
  const time = new ManualTime(server.clock.now().toISOString());
  const managed: ManagedConfig = {
    ...(options.kiosk || options.logon ? { kioskMode: true } : {}),
    ...(options.idleTimeoutSeconds ? { idleTimeoutSeconds: options.idleTimeoutSeconds } : {}),
    ...(options.branding ? { branding: options.branding } : {}),
    ...(options.warningDays ? { warningDays: options.warningDays } : {}),
  };
  const notifications: NativeNotification[] = [];
  const logonExits: number[] = [];
  const clipboard: string[] = [];
  const companion = new Companion({
    app: { name: 'SSPR Companion', version: '0.0.0-e2e', platform: options.platform ?? 'linux', instanceId: options.instanceId ?? 'e2e-host', ...(options.osUsername ? { osUsername: options.osUsername } : {}) },
    config: ConfigService.plain(options.serverUrl ?? server.url, managed, options.locale ?? 'en'),
    secrets: options.logon
      ? new UnavailableSecretStore('logon mode: nothing is kept at the sign-in screen')
      : options.keychain === false ? new UnavailableSecretStore('no Secret Service on the session bus') : new MemorySecretStore(),
    clock: time,
    timers: time,
    notifier: { show: (n) => notifications.push(n) },
    events,
    ...(options.openDiagnosis ? { openDiagnosis: true } : {}),
    api: { timeoutMs: 5000, maxAttempts: 1 },
    ...(options.logon ? { logon: { exit: (code: number) => void logonExits.push(code) } } : { clipboard: { writeText: (text: string) => void clipboard.push(text) } }),
  });
  await companion.start();
  return { companion, time, notifications, logonExits, clipboard, invoke: (channel, input) => dispatchIpc(companion.handlers, channel, input) };
}

/** A `window.companion` for code that runs in Node (store tests): the same calls, no page. */
export function nodeBridge(main: HostMain): CompanionBridge {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  return {
    invoke: ((channel: string, input?: unknown) => main.invoke(channel, input)) as CompanionBridge['invoke'],
    on: ((event: string, listener: (payload: unknown) => void) => {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    }) as CompanionBridge['on'],
  };
}
