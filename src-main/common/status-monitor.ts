/**
 * Signed-in background work: reads the status at start and every few hours, raises R16
 * expiry warnings and R5/R6 nudges (banner event each check, native notification once per
 * threshold), from the cache when the server is unreachable. All I/O is injected.
 */
import type { IpcEventSink, StatusView } from '../../shared/ipc/contract.js';
import type { Locale } from '../../shared/api/common.js';
import { evaluateStatus, type AlertMemory } from './status-alerts.js';
import { expiryNotification, nudgeNotification, type NativeNotification } from './notification-text.js';
import type { Clock, TimerHandle, Timers } from './time.js';

const DEFAULT_STATUS_INTERVAL_MS = 4 * 3_600_000;

interface StatusMonitorDeps {
  clock: Clock;
  timers: Timers;
  intervalMs?: number;
  /** The server's status, or the cached one marked stale; null when nobody is signed in. */
  readStatus(): Promise<StatusView | null>;
  loadMemory(): Promise<AlertMemory>;
  saveMemory(memory: AlertMemory): Promise<void>;
  /** Managed override of the policy's thresholds, or null. */
  warningDays(): readonly number[] | null;
  locale(): Locale;
  notify(notification: NativeNotification): void;
  events: IpcEventSink;
}

export class StatusMonitor {
  private handle: TimerHandle | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly deps: StatusMonitorDeps) {}

  /** Checks now, then every interval until `stop()`. */
  start(): Promise<void> {
    this.stop();
    return this.tick();
  }

  stop(): void {
    if (this.handle !== null) this.deps.timers.clearTimeout(this.handle);
    this.handle = null;
  }

  /** One check (also after sign-in, a password change or a registration). Concurrent calls share one run. */
  check(): Promise<void> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** The check in flight, if any (tests wait for timer-started checks with it). */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }

  private async tick(): Promise<void> {
    this.handle = this.deps.timers.setTimeout(() => void this.tick(), this.deps.intervalMs ?? DEFAULT_STATUS_INTERVAL_MS);
    await this.check();
  }

  private async run(): Promise<void> {
    const view = await this.deps.readStatus();
    if (!view) return;
    const memory = await this.deps.loadMemory();
    const alerts = evaluateStatus(view.status, view.stale, memory, this.deps.clock.now(), this.deps.warningDays());
    const { events } = this.deps;
    events.emit('status:changed', view);
    if (alerts.expiry) {
      events.emit('expiry:warning', alerts.expiry);
      if (alerts.notifyExpiry) this.deps.notify(expiryNotification(alerts.expiry, this.deps.locale()));
    }
    if (alerts.nudge) {
      events.emit('registration:nudge', alerts.nudge);
      if (alerts.notifyNudge) this.deps.notify(nudgeNotification(alerts.nudge, this.deps.locale()));
    }
    if (JSON.stringify(alerts.memory) !== JSON.stringify(memory)) await this.deps.saveMemory(alerts.memory);
  }
}
