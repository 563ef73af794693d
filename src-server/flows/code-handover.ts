import type { ResetMethodType } from '../../shared/api/common.js';
import type { Clock } from '../clock.js';
import type { Log } from '../log.js';
import { withDeadline } from '../notify/handover-deadline.js';
import { decoyRelease, releaseFloor } from '../notify/handover-release.js';
import type { HandoverChannel, HandoverTimes } from '../notify/handover-times.js';

/** The relay a method's code goes through, if any. */
export function handoverChannel(type: ResetMethodType): HandoverChannel | null {
  return type === 'email' ? 'email' : type === 'mobilePhone' || type === 'officePhone' ? 'phone' : null;
}

export interface CodeHandoverDependencies {
  clock: Clock;
  /** Recent real hand-overs: the common floor, and what decoys draw from (R13b). */
  handovers: HandoverTimes;
  /** How long a code's hand-over to the relay may take (SSPR_DELIVERY_TIMEOUT_MS). */
  deliveryTimeoutMs: number;
  log: Log;
}

/** Resolves once `performance.now()` has reached `at`. */
function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
}

/**
 * R12: a code is with the relay / gateway before its challenge answers, within the delivery
 * deadline. R13b: every such challenge, real or decoy, answers at the same common floor after
 * the step began (see `releaseFloor`), so the relay's own noise does not show; past the floor a
 * real one answers when its hand-over ends, and a decoy as a recent real one did, outcome too,
 * so an unknown name answers alike even while the relay is slow or down.
 */
export class CodeHandover {
  constructor(private readonly deps: CodeHandoverDependencies) {}

  /**
   * True when the code was handed over (or, for a decoy, when the one it mimics was). `begun` is
   * the step's start (`performance.now()`), so the step's own work before the hand-over is under
   * the floor too.
   */
  async handOver(channel: HandoverChannel, deliver: (() => Promise<void>) | null, method: ResetMethodType, begun: number): Promise<boolean> {
    const { clock, handovers, deliveryTimeoutMs, log } = this.deps;
    const recent = handovers.recent(channel, clock.now().getTime());
    const floor = releaseFloor(recent, deliveryTimeoutMs);
    if (!deliver) {
      const like = decoyRelease(recent, floor, Math.random());
      await sleepUntil(begun + like.ms);
      return like.ok;
    }
    // Armed before the hand-over, on the same kind of timer as a decoy's, so timer lateness is alike.
    const released = sleepUntil(begun + floor);
    const ok = await withDeadline(deliver(), deliveryTimeoutMs).then(
      () => true,
      (err: Error) => {
        log.warn({ err: err.message, method }, 'verification code not handed over');
        return false;
      },
    );
    handovers.record(channel, { ms: performance.now() - begun, ok, at: clock.now().getTime() });
    await released;
    return ok;
  }
}
