import type { Clock, TimerHandle, Timers } from '../../src-main/common/time.js';

/**
 * A clock with timers that fire when the clock is moved: the one time source for tests of
 * schedules (expiry checks, idle timeout, retry backoff).
 */
export class ManualTime implements Clock, Timers {
  private ms: number;
  private nextId = 1;
  private pending: { id: number; at: number; fn: () => void }[] = [];

  constructor(start: Date | string = '2026-01-05T09:00:00Z') {
    this.ms = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.push({ id, at: this.ms + Math.max(0, ms), fn });
    return { id };
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id: number }).id;
    this.pending = this.pending.filter((t) => t.id !== id);
  }

  /** Timers still waiting. */
  get pendingCount(): number {
    return this.pending.length;
  }

  /** Moves time forward, firing due timers in order (timers they set fire too when due). */
  async advance(ms: number): Promise<void> {
    const end = this.ms + ms;
    for (;;) {
      const due = this.pending.filter((t) => t.at <= end).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.pending = this.pending.filter((t) => t !== due);
      this.ms = Math.max(this.ms, due.at);
      due.fn();
      // Let async work started by the timer (fetches, keychain writes) settle before the next.
      await flushAsync();
    }
    this.ms = end;
  }

  advanceMinutes(n: number): Promise<void> {
    return this.advance(n * 60_000);
  }

  advanceHours(n: number): Promise<void> {
    return this.advance(n * 3_600_000);
  }

  advanceDays(n: number): Promise<void> {
    return this.advance(n * 86_400_000);
  }
}

async function flushAsync(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
