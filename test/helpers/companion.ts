import { randomBytes } from 'node:crypto';
import type { ManagedConfig } from '../../shared/ipc/config.js';
import type { IpcChannel, IpcEvent, IpcEventPayload, IpcInput, IpcOutput } from '../../shared/ipc/contract.js';
import { dispatchIpc } from '../../src-main/common/ipc-dispatch.js';
import type { NativeNotification } from '../../src-main/common/notification-text.js';
import { Companion, type CompanionDeps } from '../../src-main/node/companion.js';
import { ConfigService } from '../../src-main/node/config-service.js';
import { openSecretStore, type SecretStore } from '../../src-main/node/secret-store.js';
import { ManualTime } from './manual-time.js';

export interface RecordedEvent {
  event: IpcEvent;
  payload: unknown;
}

export interface CompanionHarness {
  companion: Companion;
  time: ManualTime;
  config: ConfigService;
  secrets: SecretStore;
  events: RecordedEvent[];
  notifications: NativeNotification[];
  opened: string[];
  /** A call as the renderer makes it: through `dispatchIpc`, input validated, result re-parsed. */
  invoke<C extends IpcChannel>(channel: C, input?: IpcInput<C>): Promise<IpcOutput<C>>;
  /** The error of a call expected to fail. */
  invokeError(channel: IpcChannel, input?: unknown): Promise<{ code: string; detail: string; [k: string]: unknown }>;
  eventsOf<E extends IpcEvent>(event: E): IpcEventPayload<E>[];
}

/**
 * Main's real core against a real server. The keychain is the real one (a fresh service
 * name per harness) when a Secret Service runs — as under `npm test` — else the
 * remember-nothing store.
 */
export async function companionFor(serverUrl: string | null, options: { managed?: ManagedConfig; startAt?: string | Date; deps?: Partial<CompanionDeps>; secrets?: SecretStore } = {}): Promise<CompanionHarness> {
  const time = new ManualTime(options.startAt ?? '2026-01-05T09:00:00Z');
  const config = ConfigService.plain(serverUrl, options.managed ?? {});
  const secrets = options.secrets ?? (await openSecretStore(`org.sspr.companion.test-${randomBytes(4).toString('hex')}`));
  const events: RecordedEvent[] = [];
  const notifications: NativeNotification[] = [];
  const opened: string[] = [];
  const companion = new Companion({
    app: { name: 'SSPR Companion', version: '0.0.0-test', platform: 'linux', instanceId: 'app-test-1' },
    config,
    secrets,
    clock: time,
    timers: time,
    notifier: { show: (n) => notifications.push(n) },
    events: { emit: (event, payload) => events.push({ event, payload }) },
    openExternal: async (url) => {
      opened.push(url);
    },
    api: { timeoutMs: 5000, delay: async () => {} },
    ...options.deps,
  });
  const h: CompanionHarness = {
    companion,
    time,
    config,
    secrets,
    events,
    notifications,
    opened,
    async invoke(channel, input) {
      const r = await dispatchIpc(companion.handlers, channel, input);
      if (!r.ok) throw new Error(`${channel} failed: ${r.error.code}: ${r.error.detail}`);
      return r.value as never;
    },
    async invokeError(channel, input) {
      const r = await dispatchIpc(companion.handlers, channel, input);
      if (r.ok) throw new Error(`${channel} succeeded, a failure was expected`);
      return r.error as never;
    },
    eventsOf(event) {
      return events.filter((e) => e.event === event).map((e) => e.payload) as never;
    },
  };
  return h;
}
