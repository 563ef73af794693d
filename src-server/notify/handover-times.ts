/** Hand-overs remembered per channel: enough for a distribution, little enough to follow change. */
const KEEP = 200;
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
}
