import { spendCpu } from '../security/cpu-time.js';
import { ResponseFloors } from '../security/response-floor.js';

/** Hand-overs remembered per channel: enough for a distribution, little enough to follow change. */
const KEEP = 200;
/** The real hand-overs an imitation is steered by: the latest few, so a relay that speeds up or slows down (or a process warming up) is followed within seconds, not after KEEP. */
const STEER_BY = 25;
/** How far one imitation moves the correction: fine enough to settle within ~0.1 ms, quick enough to follow load. */
const CORRECTION_STEP_MS = 0.05;
/** A correction past this would mean the timers are broken, not late. */
const MAX_CORRECTION_MS = 50;
/** The most CPU a decoy spends (ms): a hand-over that cost more shared the loop with other requests, and a decoy should not multiply load. */
const MAX_CPU_MS = 5;
/** Older hand-overs say nothing about the relay as it is now. */
const RECENT_MS = 10 * 60_000;

export type HandoverChannel = 'email' | 'phone';

export interface Handover {
  /** How long it took, from the start of the request's own work. */
  ms: number;
  ok: boolean;
  at: number;
  /** The server's CPU it used (ms): composing the message, talking to the relay. */
  cpuMs: number;
}

/**
 * How the real hand-overs to the SMTP relay / SMS gateway went lately (R13b): a decoy
 * challenge draws one of them and takes as long, and fails when it failed, so an unknown
 * name answers like a known one even while the relay is slow or down. In memory, per
 * instance: only timing and outcome, no address.
 */
export class HandoverTimes {
  private readonly recent: Record<HandoverChannel, Handover[]> = { email: [], phone: [] };
  /** How much sooner than drawn an imitation asks to wake (ms), per channel; see `imitate`. */
  private readonly correction: Record<HandoverChannel, number> = { email: 0, phone: 0 };
  /** The least a hand-over takes, real or decoy, per channel: see `floor`. */
  private readonly floors: ResponseFloors<HandoverChannel>;

  /**
   * `wakeAt`: resolves at a `performance.now()` time, precisely (a `PreciseTimer` in the server).
   * `spend`: keeps this thread busy for so many ms (`spendCpu`; tests see what is asked).
   */
  constructor(
    private readonly wakeAt: (at: number) => Promise<void>,
    private readonly spend: (ms: number) => Promise<void> = spendCpu,
  ) {
    this.floors = new ResponseFloors(wakeAt);
  }

  record(channel: HandoverChannel, h: Handover): void {
    const list = this.recent[channel];
    list.push(h);
    if (list.length > KEEP) list.splice(0, list.length - KEEP);
    // Taken hand-overs only: a relay timing out says nothing about how long a hand-over takes.
    if (h.ok) this.floors.of(channel).record(h.ms, h.at);
  }

  /** One recent hand-over drawn uniformly (`random` in [0, 1)), or null when none is recent. */
  draw(channel: HandoverChannel, now: number, random: number): Handover | null {
    const list = this.recent[channel].filter((h) => now - h.at <= RECENT_MS);
    if (!list.length) return null;
    return list[Math.min(list.length - 1, Math.floor(random * list.length))]!;
  }

  /**
   * The least time a hand-over takes, real or decoy (R13b): the floor of the recent real ones
   * (`ResponseFloor`), which both wait for (`holdUntil`). Only the slowest tenth differs, and
   * decoys draw theirs from the real ones. Without it a real and a decoy span are two draws from
   * a wide distribution (3–8 ms on loopback), and no median of a few hundred of them can tell a
   * 0.1 ms leak from noise.
   */
  floor(channel: HandoverChannel, now: number): number {
    return this.floors.of(channel).floor(now);
  }

  /** Resolves at `performance.now()` time `at`, or at once when it has passed. */
  holdUntil(at: number): Promise<void> {
    return this.wakeAt(at);
  }

  /**
   * Takes as long as the drawn hand-over `ms`, counted from `begun` (a `performance.now()`
   * time), as a decoy imitating it. A timer wakes late, and on a busy machine very late now and
   * then: that lateness comes on top of a drawn time which already holds the machine's delays,
   * so plain timers made decoys measurably slower than real hand-overs (R13b). Each imitation
   * therefore asks for a little less, by a correction steered so that half the imitations
   * take longer than the recent real median and half less (their medians meet, and follow the
   * machine as its load changes). It also spends the CPU recent real hand-overs spent (their
   * median, `spendCpu`): the answer after an idle decoy left measurably later. Otherwise it
   * sleeps: a spinning process is also the one a busy scheduler runs last.
   */
  async imitate(channel: HandoverChannel, begun: number, ms: number): Promise<void> {
    const steering = this.recent[channel].slice(-STEER_BY);
    await this.spend(Math.min(MAX_CPU_MS, median(steering.map((h) => h.cpuMs))));
    await this.wakeAt(begun + ms - this.correction[channel]);
    const took = performance.now() - begun;
    const real = median(steering.map((h) => h.ms));
    const step = took > real ? CORRECTION_STEP_MS : -CORRECTION_STEP_MS;
    this.correction[channel] = Math.min(MAX_CORRECTION_MS, Math.max(0, this.correction[channel] + step));
  }
}

function median(xs: readonly number[]): number {
  if (!xs.length) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
