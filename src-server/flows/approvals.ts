import type { Approval, DecideApprovalRequest } from '../../shared/api/me.js';
import { ProblemError } from '../errors.js';
import { approvalSignatureValid } from '../methods/push.js';
import type { MethodData } from '../store/method-store.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { MethodStore } from '../store/method-store.js';
import type { ApprovalRow, ApprovalStore } from '../store/approval-store.js';
import type { Db } from '../store/db.js';
import type { ResetSessionStore } from '../store/reset-session-store.js';
import { retryAfterSeconds } from '../throttle/rules.js';
import type { ThrottleStore } from '../store/throttle-store.js';
import { passGate, sessionIsActive } from './reset-rules.js';

function view(a: ApprovalRow, now: number): Approval {
  const expired = a.status === 'waiting' && now >= Number(a.expires_at);
  return {
    id: a.id,
    requestedAt: new Date(Number(a.created_at)).toISOString(),
    expiresAt: new Date(Number(a.expires_at)).toISOString(),
    client: a.client,
    status: expired ? 'expired' : (a.status as Approval['status']),
  };
}

/**
 * Push approvals with number matching, seen from the user's signed-in companion: the
 * waiting ones, and the signed decision that passes (or fails) the reset gate.
 */
export interface ApprovalsDependencies {
  db: Db;
  clock: Clock;
  methodStore: MethodStore;
  resetSessions: ResetSessionStore;
  throttles: ThrottleStore;
  auditLog: AuditLog;
  approvalStore: Pick<ApprovalStore, 'waiting' | 'find' | 'decide'>;
}

export class Approvals {
  constructor(private readonly deps: ApprovalsDependencies) {}

  /** Waiting and not expired (an approval lives as long as its challenge: 5 minutes). */
  async pending(subjectId: string): Promise<Approval[]> {
    const now = this.deps.clock.now().getTime();
    const rows = await this.deps.approvalStore.waiting(subjectId, now);
    return rows.map((r) => view(r, now));
  }

  async decide(subjectId: string, approvalId: string, body: DecideApprovalRequest, ctx: { client: string }): Promise<Approval> {
    const { db, clock, methodStore, resetSessions, throttles, auditLog, approvalStore } = this.deps;
    const now = clock.now().getTime();
    const a = await approvalStore.find(subjectId, approvalId);
    if (!a) throw new ProblemError('not_found', 'No such approval.');
    const challenge = await resetSessions.challengeById(a.challenge_id);
    const session = challenge ? await resetSessions.byId(challenge.sessionId) : null;
    if (a.status === 'expired' || now >= Number(a.expires_at) || !challenge || !session || !sessionIsActive(session, now)) {
      throw new ProblemError('challenge_expired', 'This approval request has expired.');
    }
    if (a.status !== 'waiting') throw new ProblemError('conflict', 'This approval has already been decided.');
    const offered = session.offered.find((m) => m.id === challenge.methodId);
    const method = await methodStore.get(subjectId, body.methodId);
    if (!method || method.type !== 'authenticatorPush' || !method.verified) throw new ProblemError('not_found', 'No such push method.');
    if (offered?.ref !== method.id) throw new ProblemError('forbidden', 'This approval was sent to another device.');
    const { publicKey } = method.data as MethodData['authenticatorPush'];
    if (!approvalSignatureValid(publicKey, a.id, body.approve, body.number, body.signature)) {
      await auditLog.write(db, { type: 'reset.verify', user: session.username, method: 'authenticatorPush', result: 'denied', client: ctx.client, detail: { reason: 'badSignature' } });
      throw new ProblemError('forbidden', 'The signature does not match this device\'s key.');
    }
    // Number matching: approving with the wrong number is a denial, and a failed verification.
    const approved = body.approve && body.number === a.number;
    const reason = approved ? null : body.approve ? 'wrongNumber' : 'deniedByUser';

    const outcome = await db.transaction().execute(async (trx) => {
      // Counted like any verification: a failure until it succeeds, refused when locked (R11e).
      const admission = await throttles.attempt(trx, session.throttleKey, ['failure']);
      if (!admission.allowed) {
        if (admission.tripped) await auditLog.write(trx, { type: 'reset.lockout', user: session.username, method: 'authenticatorPush', result: 'locked', client: ctx.client, detail: { rule: admission.rule } });
        return { locked: admission.lockedUntil } as const;
      }
      if (!(await approvalStore.decide(trx, a.id, approved ? 'approved' : 'denied', now))) throw new ProblemError('conflict', 'This approval has already been decided.');
      await resetSessions.settleChallenge(trx, challenge.id, approved ? 'used' : 'denied', now);
      if (approved) {
        if (admission.failureId !== null) await throttles.releaseFailure(trx, session.throttleKey, admission.failureId);
        await passGate(resetSessions, trx, session.id, challenge.methodId);
        await auditLog.write(trx, { type: 'reset.verify', user: session.username, method: 'authenticatorPush', result: 'success', client: ctx.client, detail: { approvalClient: a.client } });
        return { status: 'approved' } as const;
      }
      const failure = await throttles.settleFailure(trx, session.throttleKey);
      await auditLog.write(trx, { type: 'reset.verify', user: session.username, method: 'authenticatorPush', result: 'failure', client: ctx.client, detail: { reason, attemptsRemaining: failure.attemptsRemaining } });
      if (failure.tripped) await auditLog.write(trx, { type: 'reset.lockout', user: session.username, method: 'authenticatorPush', result: 'locked', client: ctx.client, detail: { rule: 'R11a' } });
      return { status: 'denied' } as const;
    });
    if (outcome.locked !== undefined) throw new ProblemError('locked_out', 'Password reset is locked for this account for now.', { retryAfterSeconds: retryAfterSeconds(outcome.locked, now) });
    return { ...view(a, now), status: outcome.status };
  }
}
