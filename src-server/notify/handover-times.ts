import { recentOnly, type Handover } from './handover-release.js';

/** Hand-overs remembered per channel: enough for a high percentile, little enough to follow change. */
const KEEP = 200;

export type HandoverChannel = 'email' | 'phone';

/**
 * How the real hand-overs to the SMTP relay / SMS gateway went lately (R13b): the common floor
 * every challenge answers after, and the tail and outcomes decoys draw from, so an unknown name
 * answers like a known one even while the relay is slow or down. In memory, per instance: only
 * timing and outcome, no address.
 */
export class HandoverTimes {
  private readonly kept: Record<HandoverChannel, Handover[]> = { email: [], phone: [] };

  record(channel: HandoverChannel, h: Handover): void {
    const list = this.kept[channel];
    list.push(h);
    if (list.length > KEEP) list.splice(0, list.length - KEEP);
  }

  /** The hand-overs still recent at `now` (epoch ms). */
  recent(channel: HandoverChannel, now: number): Handover[] {
    return recentOnly(this.kept[channel], now);
  }
}
