import type { ResetMethodType } from '../../shared/api/common.js';
import type { Clock } from '../clock.js';
import type { Log } from '../log.js';
import { threadCpuMs } from '../security/cpu-time.js';
import { withDeadline } from '../notify/handover-deadline.js';
import type { HandoverChannel, HandoverTimes } from '../notify/handover-times.js';

/** The relay a method's code goes through, if any. */
export function handoverChannel(type: ResetMethodType): HandoverChannel | null {
  return type === 'email' ? 'email' : type === 'mobilePhone' || type === 'officePhone' ? 'phone' : null;
}

export interface CodeHandoverDependencies {
  clock: Clock;
  /** Recent real hand-overs, which decoys take after (R13b). */
  handovers: HandoverTimes;
  /** How long a code's hand-over to the relay may take (SSPR_DELIVERY_TIMEOUT_MS). */
  deliveryTimeoutMs: number;
  log: Log;
}

/**
 * R12: a code is with the relay / gateway before its challenge answers, within the delivery
 * deadline. A decoy (nothing to send) takes as long as a recent real hand-over and ends as it
 * did, spending the CPU it spent (R13b), so an unknown name answers alike even while the relay
 * is down; and both last at least the floor of recent real hand-overs, so most answers leave at
 * the same moment.
 */
export class CodeHandover {
  constructor(private readonly deps: CodeHandoverDependencies) {}

  /**
   * True when the code was handed over (or, for a decoy, when the one it mimics was). Spans
   * are counted from `begun` (a `performance.now()` time): the start of the request's own work,
   * so what a real challenge and a decoy do before the hand-over is imitated and held too.
   */
  async handOver(channel: HandoverChannel, deliver: (() => Promise<void>) | null, method: ResetMethodType, begun = performance.now()): Promise<boolean> {
    const { clock, handovers, deliveryTimeoutMs, log } = this.deps;
    const floor = handovers.floor(channel, clock.now().getTime());
    if (!deliver) {
      const like = handovers.draw(channel, clock.now().getTime(), Math.random());
      if (like) await handovers.imitate(channel, begun, like.ms);
      await handovers.holdUntil(begun + floor);
      return like?.ok ?? true;
    }
    const cpuBefore = threadCpuMs();
    const ok = await withDeadline(deliver(), deliveryTimeoutMs).then(
      () => true,
      (err: Error) => {
        log.warn({ err: err.message, method }, 'verification code not handed over');
        return false;
      },
    );
    handovers.record(channel, { ms: performance.now() - begun, ok, at: clock.now().getTime(), cpuMs: threadCpuMs() - cpuBefore });
    await handovers.holdUntil(begun + floor);
    return ok;
  }
}
