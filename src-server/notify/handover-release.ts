/**
 * When a challenge that hands a code to a relay answers (R12, R13b): never before a common
 * floor, the same for a real hand-over and a decoy, so the answer time no longer carries the
 * relay's own noise. Pure: times are passed in.
 */

/** A real hand-over as the challenge step saw it: `ms` counted from the step's start. */
export interface Handover {
  ms: number;
  ok: boolean;
  /** When it was recorded (epoch ms, from the clock). */
  at: number;
}

/** Older hand-overs say nothing about the relay as it is now. */
export const RECENT_MS = 10 * 60_000;
/** The floor is this percentile of recent successful hand-overs: most real ones end before it. */
export const FLOOR_PERCENTILE = 0.95;
/**
 * The least floor: it also covers the step's own work before the hand-over (a few database
 * reads and writes, the code's mail), so that work does not tell either. Also the floor before
 * any hand-over is known.
 */
export const MIN_FLOOR_MS = 5;

/** Nearest-rank percentile (`p` in (0, 1]) of `xs`; NaN when empty. */
export function percentile(xs: readonly number[], p: number): number {
  if (!xs.length) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** The hand-overs recorded within `RECENT_MS` of `now`. */
export function recentOnly(handovers: readonly Handover[], now: number): Handover[] {
  return handovers.filter((h) => now - h.at <= RECENT_MS);
}

/**
 * How long after its start every challenge answers at the least (ms): the high percentile of
 * recent successful hand-overs, rounded up to a whole millisecond (a steady value, not one that
 * moves with every hand-over), within [MIN_FLOOR_MS, deadlineMs]. Failures are left out: how
 * fast a relay refuses or times out says nothing of how long taking a code takes, and a floor at
 * the deadline would slow every answer while the relay only sometimes fails.
 */
export function releaseFloor(recent: readonly Handover[], deadlineMs: number): number {
  const ok = recent.filter((h) => h.ok).map((h) => h.ms);
  const high = ok.length ? Math.ceil(percentile(ok, FLOOR_PERCENTILE)) : MIN_FLOOR_MS;
  return Math.min(deadlineMs, Math.max(MIN_FLOOR_MS, high));
}

/**
 * A decoy's answer: after the floor, or after a recent real hand-over drawn uniformly
 * (`random` in [0, 1)) when that one took longer (so the tail past the floor matches too), and
 * with its outcome (so a decoy fails while the relay does). With none recent, the floor and
 * success, as a working relay would answer.
 */
export function decoyRelease(recent: readonly Handover[], floor: number, random: number): { ms: number; ok: boolean } {
  if (!recent.length) return { ms: floor, ok: true };
  const like = recent[Math.min(recent.length - 1, Math.floor(random * recent.length))]!;
  return { ms: Math.max(floor, like.ms), ok: like.ok };
}
