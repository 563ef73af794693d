/** Hand-overs remembered per channel: enough for a distribution, little enough to follow change. */
const KEEP = 200;
/** Timer wake-ups remembered, for how late a timer fires here now. */
const KEEP_LATENESS = 64;
/** Older hand-overs say nothing about the relay as it is now. */
const RECENT_MS = 10 * 60_000;

export type HandoverChannel = 'email' | 'phone';

export interface Handover {
  ms: number;
  ok: boolean;
  at: number;
}

/**
 * How the real hand-overs to the SMTP relay / SMS gateway went lately (R13b): a decoy
 * challenge draws one of them and takes as long, and fails when it failed, so an unknown
 * name answers like a known one even while the relay is slow or down. In memory, per
 * instance: only timing and outcome, no address.
 */
export class HandoverTimes {
  private readonly recent: Record<HandoverChannel, Handover[]> = { email: [], phone: [] };
  /** How late recent waits' timers fired (ms). */
  private readonly lateness: number[] = [];

  record(channel: HandoverChannel, h: Handover): void {
    const list = this.recent[channel];
    list.push(h);
    if (list.length > KEEP) list.splice(0, list.length - KEEP);
  }

  /** One recent hand-over drawn uniformly (`random` in [0, 1)), or null when none is recent. */
  draw(channel: HandoverChannel, now: number, random: number): Handover | null {
    const list = this.recent[channel].filter((h) => now - h.at <= RECENT_MS);
    if (!list.length) return null;
    return list[Math.min(list.length - 1, Math.floor(random * list.length))]!;
  }

  /**
   * Sleeps until `deadline` (a `performance.now()` time), as a decoy imitating a hand-over.
   * A timer fires late (whole-millisecond ticks, a busy machine), which alone would make the
   * imitation measurably slower than the real hand-over it copies; so each wait asks for that
   * much less, by the median lateness of recent waits. Sleeping, not spinning: a spinning
   * process is also the one a busy scheduler runs last.
   */
  async waitUntil(deadline: number): Promise<void> {
    const ask = deadline - performance.now() - median(this.lateness);
    if (ask <= 0) return;
    const set = performance.now();
    await new Promise((resolve) => setTimeout(resolve, ask));
    this.lateness.push(performance.now() - set - ask);
    if (this.lateness.length > KEEP_LATENESS) this.lateness.shift();
  }
}

function median(xs: readonly number[]): number {
  if (!xs.length) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
