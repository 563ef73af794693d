import type { Selectable } from 'kysely';
import type { Approval, DecideApprovalRequest } from '../../shared/api/me.js';
import { ProblemError } from '../errors.js';
import { approvalSignatureValid } from '../methods/push.js';
import type { MethodData } from '../methods/method-store.js';
import type { Services } from '../services.js';
import type { Database } from '../store/schema.js';
import { retryAfterSeconds } from '../throttle/rules.js';
import { ThrottleStore } from '../throttle/throttle-store.js';
import { offeredMethods, passGate, sessionIsActive } from './reset-flow.js';

type ApprovalRow = Selectable<Database['approvals']>;

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
export class Approvals {
  private readonly throttle: ThrottleStore;

  constructor(private readonly s: Services) {
    this.throttle = new ThrottleStore(s.clock);
  }

  /** Waiting and not expired (an approval lives as long as its challenge: 5 minutes). */
  async pending(subjectId: string): Promise<Approval[]> {
    const now = this.s.clock.now().getTime();
    const rows = await this.s.db
      .selectFrom('approvals')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .where('status', '=', 'waiting')
      .where('expires_at', '>', now)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => view(r, now));
  }

  async decide(subjectId: string, approvalId: string, body: DecideApprovalRequest, ctx: { client: string }): Promise<Approval> {
    const s = this.s;
    const now = s.clock.now().getTime();
    const a = await s.db.selectFrom('approvals').selectAll().where('id', '=', approvalId).where('subject_id', '=', subjectId).executeTakeFirst();
    if (!a) throw new ProblemError('not_found', 'No such approval.');
    const challenge = await s.db.selectFrom('challenges').selectAll().where('id', '=', a.challenge_id).executeTakeFirst();
    const session = challenge ? await s.db.selectFrom('reset_sessions').selectAll().where('id', '=', challenge.session_id).executeTakeFirst() : undefined;
    if (a.status === 'expired' || now >= Number(a.expires_at) || !challenge || !session || !sessionIsActive(session, now)) {
      throw new ProblemError('challenge_expired', 'This approval request has expired.');
    }
    if (a.status !== 'waiting') throw new ProblemError('conflict', 'This approval has already been decided.');
    const offered = offeredMethods(session).find((m) => m.id === challenge.method_id);
    const method = await s.methods.get(subjectId, body.methodId);
    if (!method || method.type !== 'authenticatorPush' || !method.verified) throw new ProblemError('not_found', 'No such push method.');
    if (offered?.ref !== method.id) throw new ProblemError('forbidden', 'This approval was sent to another device.');
    const { publicKey } = method.data as MethodData['authenticatorPush'];
    if (!approvalSignatureValid(publicKey, a.id, body.approve, body.number, body.signature)) {
      await s.audit.write(s.db, { type: 'reset.verify', user: session.username, method: 'authenticatorPush', result: 'denied', client: ctx.client, detail: { reason: 'badSignature' } });
      throw new ProblemError('forbidden', 'The signature does not match this device\'s key.');
    }
    // Number matching: approving with the wrong number is a denial, and a failed verification.
    const approved = body.approve && body.number === a.number;
    const reason = approved ? null : body.approve ? 'wrongNumber' : 'deniedByUser';

    const outcome = await s.db.transaction().execute(async (trx) => {
      // Counted like any verification: a failure until it succeeds, refused when locked (R11e).
      const admission = await this.throttle.attempt(trx, session.throttle_key, ['failure']);
      if (!admission.allowed) {
        if (admission.tripped) await s.audit.write(trx, { type: 'reset.lockout', user: session.username, method: 'authenticatorPush', result: 'locked', client: ctx.client, detail: { rule: admission.rule } });
        return { locked: admission.lockedUntil } as const;
      }
      const decided = await trx.updateTable('approvals').set({ status: approved ? 'approved' : 'denied', decided_at: now }).where('id', '=', a.id).where('status', '=', 'waiting').executeTakeFirst();
      if (Number(decided.numUpdatedRows) !== 1) throw new ProblemError('conflict', 'This approval has already been decided.');
      await trx.updateTable('challenges').set({ status: approved ? 'used' : 'denied', used_at: now }).where('id', '=', challenge.id).where('status', '=', 'pending').execute();
      if (approved) {
        if (admission.failureId !== null) await this.throttle.releaseFailure(trx, session.throttle_key, admission.failureId);
        await passGate(s, trx, session.id, challenge.method_id);
        await s.audit.write(trx, { type: 'reset.verify', user: session.username, method: 'authenticatorPush', result: 'success', client: ctx.client, detail: { approvalClient: a.client } });
        return { status: 'approved' } as const;
      }
      const failure = await this.throttle.settleFailure(trx, session.throttle_key);
      await s.audit.write(trx, { type: 'reset.verify', user: session.username, method: 'authenticatorPush', result: 'failure', client: ctx.client, detail: { reason, attemptsRemaining: failure.attemptsRemaining } });
      if (failure.tripped) await s.audit.write(trx, { type: 'reset.lockout', user: session.username, method: 'authenticatorPush', result: 'locked', client: ctx.client, detail: { rule: 'R11a' } });
      return { status: 'denied' } as const;
    });
    if (outcome.locked !== undefined) throw new ProblemError('locked_out', 'Password reset is locked for this account for now.', { retryAfterSeconds: retryAfterSeconds(outcome.locked, now) });
    return { ...view(a, now), status: outcome.status };
  }
}
