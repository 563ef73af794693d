/**
 * While a user is signed in on a device registered for push approvals, polls
 * `GET /me/approvals` and announces each new waiting approval once (event + notification).
 */
import type { Approval } from '../../shared/api/me.js';
import type { TimerHandle, Timers } from '../common/time.js';

const APPROVAL_POLL_MS = 5_000;

interface ApprovalsWatcherDeps {
  timers: Timers;
  intervalMs?: number;
  /** null when not signed in, offline, or this device has no push key. */
  list(): Promise<Approval[] | null>;
  announce(approval: Approval): void;
}

export class ApprovalsWatcher {
  private handle: TimerHandle | null = null;
  private readonly announced = new Set<string>();

  constructor(private readonly deps: ApprovalsWatcherDeps) {}

  start(): void {
    this.stop();
    this.handle = this.deps.timers.setTimeout(() => void this.poll(), 0);
  }

  stop(): void {
    if (this.handle !== null) this.deps.timers.clearTimeout(this.handle);
    this.handle = null;
  }

  async poll(): Promise<void> {
    this.handle = this.deps.timers.setTimeout(() => void this.poll(), this.deps.intervalMs ?? APPROVAL_POLL_MS);
    const approvals = await this.deps.list();
    for (const a of approvals ?? []) {
      if (a.status === 'waiting' && !this.announced.has(a.id)) {
        this.announced.add(a.id);
        this.deps.announce(a);
      }
    }
  }
}
