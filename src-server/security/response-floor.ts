/** Spans remembered: enough for a percentile, little enough to follow change. */
const KEEP = 200;
/** Older spans say nothing about the machine as it is now. */
const RECENT_MS = 10 * 60_000;
/** Answers last at least this quantile of the recent spans. */
const QUANTILE = 0.9;
/** How far above that quantile the floor may stay before it comes down (ms). */
const SLACK_MS = 2;

/**
 * The least time an answer takes, whoever asked (R13b): the 90th percentile of the recent
 * spans of that step, in whole milliseconds (0 while none is recent). Every answer waits for it
 * (`holdUntil`), so nine in ten leave at the same moment whatever the server did for them: a
 * known name and an unknown one that cost a little more or less to answer cannot be told
 * apart by time, and noise that comes and goes (a relay's speed, the machine's load) falls on
 * both. The percentile wanders by a millisecond or two as spans come and go: the floor rises
 * with it at once but comes down only once it is more than `SLACK_MS` too high, so it stays put
 * between real changes. Costs a person a millisecond or a few per answer. In memory, per
 * instance: durations only.
 */
export class ResponseFloor {
  private readonly spans: Array<{ ms: number; at: number }> = [];
  private current = 0;

  /** `wakeAt`: resolves at a `performance.now()` time, precisely (a `PreciseTimer` in the server). */
  constructor(private readonly wakeAt: (at: number) => Promise<void>) {}

  /** One answer's span (ms) at clock time `at` (ms). */
  record(ms: number, at: number): void {
    this.spans.push({ ms, at });
    if (this.spans.length > KEEP) this.spans.splice(0, this.spans.length - KEEP);
  }

  /** The floor (ms) at clock time `now`. */
  floor(now: number): number {
    const ms = this.spans.filter((s) => now - s.at <= RECENT_MS).map((s) => s.ms);
    if (!ms.length) return (this.current = 0);
    ms.sort((a, b) => a - b);
    const percentile = Math.ceil(ms[Math.min(ms.length - 1, Math.floor(QUANTILE * ms.length))]!);
    if (percentile > this.current || percentile < this.current - SLACK_MS) this.current = percentile;
    return this.current;
  }

  /** Resolves at `performance.now()` time `at`, or at once when it has passed. */
  holdUntil(at: number): Promise<void> {
    return this.wakeAt(at);
  }
}

/** One floor per kind of answer, made on first use: a hand-over or a verification costs what its channel or method costs. */
export class ResponseFloors<Kind extends string> {
  private readonly floors = new Map<Kind, ResponseFloor>();

  constructor(private readonly wakeAt: (at: number) => Promise<void>) {}

  of(kind: Kind): ResponseFloor {
    let floor = this.floors.get(kind);
    if (!floor) this.floors.set(kind, (floor = new ResponseFloor(this.wakeAt)));
    return floor;
  }
}
