import type { Clock, TimerHandle, Timers } from './time.js';

interface IdleTimerOptions {
  clock: Clock;
  timers: Timers;
  timeoutMs: number;
  /** Called once per idle period: wipe the flow and return to the start screen. */
  onIdle: () => void;
}

/**
 * Kiosk idle timeout: after `timeoutMs` without activity, `onIdle` runs once; the next
 * activity arms it again. Activity only records a time, so a stream of input events costs
 * no timer churn: the single timer re-arms itself for the remaining time when it fires early.
 */
export class IdleTimer {
  private lastActivity: number;
  private handle: TimerHandle | null = null;
  private fired = false;

  constructor(private readonly options: IdleTimerOptions) {
    this.lastActivity = options.clock.now().getTime();
  }

  start(): void {
    this.lastActivity = this.options.clock.now().getTime();
    this.fired = false;
    this.arm(this.options.timeoutMs);
  }

  stop(): void {
    if (this.handle !== null) this.options.timers.clearTimeout(this.handle);
    this.handle = null;
  }

  activity(): void {
    this.lastActivity = this.options.clock.now().getTime();
    if (this.fired || this.handle === null) {
      this.fired = false;
      this.arm(this.options.timeoutMs);
    }
  }

  /** Milliseconds of inactivity so far. */
  idleFor(): number {
    return this.options.clock.now().getTime() - this.lastActivity;
  }

  private arm(ms: number): void {
    this.stop();
    this.handle = this.options.timers.setTimeout(() => this.check(), ms);
  }

  private check(): void {
    this.handle = null;
    const remaining = this.options.timeoutMs - this.idleFor();
    if (remaining > 0) {
      this.arm(remaining);
      return;
    }
    this.fired = true;
    this.options.onIdle();
  }
}
