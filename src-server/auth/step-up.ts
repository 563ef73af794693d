import type { MethodType } from '../../shared/api/common.js';
import type { CreateResetSessionResponse } from '../../shared/api/reset.js';
import type { StepUpStatus } from '../../shared/api/trust.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { DirectoryUser } from '../directory/directory.js';
import { ProblemError } from '../errors.js';
import { directoryContact, SESSION_TTL_MS, sessionIsActive } from '../flows/reset-rules.js';
import type { MethodStore } from '../store/method-store.js';
import { usableMethods } from '../methods/registration-status.js';
import type { PolicyStore } from '../store/policy-store.js';
import type { SecretBox } from '../security/secret-box.js';
import { hashToken, newId, newToken } from '../security/tokens.js';
import type { Db } from '../store/db.js';
import type { OfferedMethod, ResetSessionStore } from '../store/reset-session-store.js';
import type { StepUpStore } from '../store/step-up-store.js';
import { registrationThrottleKey, resetThrottleKey } from '../throttle/keys.js';
import { retryAfterSeconds } from '../throttle/rules.js';
import type { ThrottleStore } from '../store/throttle-store.js';
import type { AccessPasses } from './access-passes.js';
import { methodChangeVerdict, STEP_UP_TTL_MS, type MethodChangeVerdict } from './step-up-rules.js';

export interface StepUpDependencies {
  db: Db;
  clock: Clock;
  policyStore: PolicyStore;
  methodStore: MethodStore;
  resetSessions: ResetSessionStore;
  throttles: ThrottleStore;
  secretBox: SecretBox;
  auditLog: AuditLog;
  accessPasses: AccessPasses;
  stepUpStore: StepUpStore;
}

/** Who is changing methods: the user, the sign-in their access token belongs to, where from. */
export interface SignInContext {
  user: DirectoryUser;
  signInId: string | null;
  client: string;
}

/** Step-ups prove a method a reset would accept, except security questions (guessable, R26). */
const STEP_UP_TYPES: readonly MethodType[] = ['email', 'mobilePhone', 'officePhone', 'authenticatorCode', 'authenticatorPush'];

const REFUSALS: Record<Extract<MethodChangeVerdict, { allowed: false }>['reason'], string> = {
  stepUpNeeded: 'Prove it is you with one of your methods first (POST /me/step-up), or with a Temporary Access Pass.',
  signInUnbound: 'Sign in again, then prove it is you with one of your methods.',
  administratorNeedsPass: 'An administrator registers their first methods with a Temporary Access Pass from another administrator.',
  passNeeded: 'Ask your administrator for a Temporary Access Pass to register your first methods.',
};

/**
 * R26, R27, R31: before a signed-in user changes their methods, this sign-in proves one
 * method the user already holds — through a one-gate session answered with the reset
 * flow's challenge routes (same screens, same throttling, same audit) — or a Temporary
 * Access Pass. The proof is good for ten minutes, for this sign-in only.
 */
export class StepUp {
  constructor(private readonly d: StepUpDependencies) {}

  /** A step-up session never sets a password: it proves a method to its sign-in, nothing more. */
  async isStepUpSession(token: string): Promise<boolean> {
    return (await this.d.resetSessions.stepUpByTokenHash(hashToken(token))) !== null;
  }

  private async provenAt(signInId: string | null, subjectId: string): Promise<number | null> {
    if (!signInId) return null;
    return this.d.stepUpStore.provenAt(signInId, subjectId);
  }

  private async usable(user: DirectoryUser) {
    return usableMethods(user, await this.d.methodStore.list(user.id), await this.d.policyStore.get());
  }

  private async verdict(ctx: SignInContext): Promise<{ verdict: MethodChangeVerdict; provenAt: number | null; stepUpMethods: number }> {
    const usable = await this.usable(ctx.user);
    const policy = await this.d.policyStore.get();
    const provenAt = await this.provenAt(ctx.signInId, ctx.user.id);
    const verdict = methodChangeVerdict({
      isAdmin: ctx.user.isAdmin,
      usableMethods: usable.length,
      provenAt,
      boundToSignIn: ctx.signInId !== null,
      firstMethodsWithPassword: policy.sspr.firstMethodsWithPassword,
      now: this.d.clock.now(),
    });
    return { verdict, provenAt, stepUpMethods: usable.filter((m) => STEP_UP_TYPES.includes(m.type)).length };
  }

  async status(ctx: SignInContext): Promise<StepUpStatus> {
    const { verdict, provenAt, stepUpMethods } = await this.verdict(ctx);
    const live = verdict.allowed && verdict.by === 'stepUp' && provenAt !== null;
    return { provenUntil: live ? new Date(provenAt + STEP_UP_TTL_MS).toISOString() : null, required: !verdict.allowed, hasMethods: stepUpMethods > 0 };
  }

  /** Throws `step_up_required` unless this sign-in may change the user's methods now. */
  async assertMayChange(ctx: SignInContext, action: string): Promise<void> {
    const { verdict } = await this.verdict(ctx);
    if (verdict.allowed) return;
    await this.d.auditLog.write(this.d.db, { type: 'registration.stepup', user: ctx.user.username, result: 'denied', client: ctx.client, detail: { reason: verdict.reason, action } });
    throw new ProblemError('step_up_required', REFUSALS[verdict.reason]);
  }

  async start(ctx: SignInContext): Promise<CreateResetSessionResponse> {
    const { db, clock, secretBox, auditLog, resetSessions } = this.d;
    const { user } = ctx;
    if (!ctx.signInId) throw new ProblemError('step_up_required', REFUSALS.signInUnbound);
    const usable = (await this.usable(user)).filter((m) => STEP_UP_TYPES.includes(m.type));
    if (!usable.length) throw new ProblemError('step_up_required', user.isAdmin ? REFUSALS.administratorNeedsPass : 'You hold no method to prove it is you with: use a Temporary Access Pass from your administrator.');
    const offered: OfferedMethod[] = usable.map((m) => {
      const contact = directoryContact(user, m.id);
      return { id: newId(), type: m.type, hint: m.hint, ref: m.id, ...(contact ? { sealed: secretBox.sealJson(contact) } : {}) };
    });
    const id = newId();
    const token = newToken('rs');
    const now = clock.now().getTime();
    // The reset's counters: a step-up is one more way to guess the user's codes.
    const throttleKey = resetThrottleKey(user.id);
    const signInId = ctx.signInId;
    const lock = await db.transaction().execute(async (trx) => {
      const lock = await this.d.throttles.activeLock(trx, throttleKey);
      if (lock) return lock;
      const session = { id, subjectId: user.id, throttleKey, username: user.username, decoy: false, status: 'verifying' as const, requiredMethods: 1 };
      await resetSessions.create(trx, { ...session, tokenHash: hashToken(token), gatesPassed: 0, passedMethodIds: [], offered, client: ctx.client, createdAt: now, expiresAt: now + SESSION_TTL_MS }, { stepUp: { signInId } });
      await auditLog.write(trx, { type: 'registration.stepup', user: user.username, result: 'success', client: ctx.client, detail: { step: 'started' } });
      return null;
    });
    if (lock) throw new ProblemError('locked_out', 'Too many attempts: verification is locked for this account for now. Try again later.', { retryAfterSeconds: retryAfterSeconds(lock.until, now) });
    return { sessionToken: token, expiresAt: new Date(now + SESSION_TTL_MS).toISOString(), requiredMethods: 1, methods: offered.map(({ id: methodId, type, hint }) => ({ id: methodId, type, hint })) };
  }

  /** The step-up session passed its gate: this sign-in may change methods for ten minutes. */
  async complete(ctx: SignInContext, sessionToken: string): Promise<StepUpStatus> {
    const { db, clock, auditLog, resetSessions } = this.d;
    const row = await resetSessions.stepUpByTokenHash(hashToken(sessionToken));
    const now = clock.now().getTime();
    // Another user's or another sign-in's proof is no proof here.
    if (!row || row.subjectId !== ctx.user.id || row.signInId !== ctx.signInId || !sessionIsActive(row, now)) throw new ProblemError('session_expired', 'This step-up has ended. Start again.');
    if (row.gatesPassed < row.requiredMethods) throw new ProblemError('gates_incomplete', 'Verify one of your methods first.');
    const type = row.offered.find((o) => o.id === row.passedMethodIds[0])?.type ?? null;
    const done = await db.transaction().execute(async (trx) => {
      if (!(await resetSessions.moveStatus(trx, row.id, ['ready'], 'completed', { completedAt: now }))) return false;
      await this.d.stepUpStore.record(trx, row.signInId, ctx.user.id, type ?? 'method', now);
      await auditLog.write(trx, { type: 'registration.stepup', user: ctx.user.username, method: type, result: 'success', client: ctx.client, detail: { step: 'proven' } });
      return true;
    });
    if (!done) throw new ProblemError('session_expired', 'This step-up has ended. Start again.');
    return this.status(ctx);
  }

  /** R31: a Temporary Access Pass is the step-up (and a user's way to their first methods). */
  async withPass(ctx: SignInContext, pass: string): Promise<StepUpStatus> {
    const { db, clock, auditLog } = this.d;
    const { user } = ctx;
    if (!ctx.signInId) throw new ProblemError('step_up_required', REFUSALS.signInUnbound);
    const signInId = ctx.signInId;
    const now = clock.now().getTime();
    const key = registrationThrottleKey(user.id);
    const admission = await db.transaction().execute((trx) => this.d.throttles.attempt(trx, key, ['failure']));
    if (!admission.allowed) throw new ProblemError('locked_out', 'Too many wrong passes: try again later.', { retryAfterSeconds: retryAfterSeconds(admission.lockedUntil, now) });
    const outcome = await db.transaction().execute(async (trx) => {
      if (await this.d.accessPasses.redeem(trx, user.id, pass)) {
        if (admission.failureId !== null) await this.d.throttles.releaseFailure(trx, key, admission.failureId);
        await this.d.stepUpStore.record(trx, signInId, user.id, 'accessPass', now);
        await auditLog.write(trx, { type: 'registration.stepup', user: user.username, method: 'accessPass', result: 'success', client: ctx.client, detail: { step: 'proven' } });
        return { ok: true as const };
      }
      const failure = await this.d.throttles.settleFailure(trx, key);
      await auditLog.write(trx, { type: 'registration.stepup', user: user.username, method: 'accessPass', result: 'failure', client: ctx.client, detail: { attemptsRemaining: failure.attemptsRemaining } });
      return { ok: false as const, ...failure };
    });
    if (!outcome.ok) {
      if (outcome.lockedUntil !== null) throw new ProblemError('locked_out', 'Too many wrong passes: try again later.', { retryAfterSeconds: retryAfterSeconds(outcome.lockedUntil, now), attemptsRemaining: 0 });
      throw new ProblemError('invalid_code', 'The pass is not correct, has expired or was used already.', { attemptsRemaining: outcome.attemptsRemaining });
    }
    return this.status(ctx);
  }
}
