/** Time is injected everywhere so tests move it instead of sleeping. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can move. */
export class ManualClock implements Clock {
  private ms: number;
  constructor(start: Date | string = '2026-01-05T09:00:00Z') {
    this.ms = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  advanceMinutes(n: number): void {
    this.advance(n * 60_000);
  }
  advanceHours(n: number): void {
    this.advance(n * 3_600_000);
  }
  advanceDays(n: number): void {
    this.advance(n * 86_400_000);
  }
  set(at: Date | string): void {
    this.ms = new Date(at).getTime();
  }
}
