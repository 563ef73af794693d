import type { Transaction } from 'kysely';
import type { Locale, MethodType } from '../../shared/api/common.js';
import type { MeStatus, RegisteredMethod, RegisterMethodRequest, RegisterMethodResponse } from '../../shared/api/me.js';
import { availableQuestions } from '../../shared/rules/security-questions.js';
import type { DirectoryUser, Directory } from '../directory/directory.js';
import { ProblemError } from '../errors.js';
import { codeMatches, CODE_TTL_MS, issueCode } from '../methods/codes.js';
import type { MethodKinds } from '../methods/method-kind.js';
import { maskEmail, maskPhone } from '../methods/masking.js';
import type { MethodRecord, MethodStore } from '../store/method-store.js';
import { effectiveRequirement } from '../methods/registration-status.js';
import { isInScope } from '../policy/scope.js';
import { newId } from '../security/tokens.js';
import type { Database } from '../store/schema.js';
import { retryAfterSeconds } from '../throttle/rules.js';
import type { MeStatusFlow } from './me-status.js';
import { registrationThrottleKey } from '../throttle/keys.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import type { Log } from '../log.js';
import type { PolicyStore } from '../store/policy-store.js';
import type { RegistrationStore } from '../store/registration-store.js';
import type { ThrottleStore } from '../store/throttle-store.js';
import type { RefreshTokens } from '../auth/refresh-tokens.js';
import type { StepUp } from '../auth/step-up.js';
import type { AccountChange, AccountNotifier } from '../notify/notifications.js';
import { withDeadline } from '../notify/handover-deadline.js';

interface MethodRegistrationDependencies {
  methodKinds: MethodKinds;
  meStatus: MeStatusFlow;
  auditLog: AuditLog;
  clock: Clock;
  codeKey: Buffer;
  db: Db;
  directory: Directory;
  log: Log;
  methodStore: MethodStore;
  registrationStore: Pick<RegistrationStore, 'touch' | 'insertProof' | 'pendingProof' | 'useProof' | 'denyProof' | 'supersedeProofs'>;
  policyStore: PolicyStore;
  throttles: ThrottleStore;
  stepUp: StepUp;
  refreshTokens: RefreshTokens;
  accountNotifier: AccountNotifier;
  /** How long a code's hand-over to the relay may take (SSPR_DELIVERY_TIMEOUT_MS). */
  deliveryTimeoutMs: number;
}

type Trx = Transaction<Database>;

interface UserContext {
  subjectId: string;
  /** The sign-in (refresh-token family) of the caller's access token: step-ups are bound to it (R26). */
  signInId: string | null;
  client: string;
  locale: Locale;
}

/** R7: what a user sees of a method: type, masked hint, source, state — never its secrets. */
function view(m: MethodRecord): RegisteredMethod {
  return { id: m.id, type: m.type, hint: m.hint, source: m.source, verified: m.verified, createdAt: m.createdAt.toISOString() };
}

/** Registration proof codes live with the challenges, under a per-user pseudo-session. */
const proofSession = (subjectId: string) => `registration:${subjectId}`;
const throttleKey = registrationThrottleKey;

/**
 * R3–R8, R10: a signed-in user registers, proves, lists and removes their methods, and
 * reconfirms them. Every change and its audit event share one transaction (R17a). Adding,
 * removing and reconfirming need this sign-in's fresh step-up (R26, R27); proving a method
 * just added does not (its adding was the change). Changes are notified (R32).
 */
export class MethodRegistration {
  constructor(private readonly deps: MethodRegistrationDependencies) {}

  private async user(subjectId: string): Promise<DirectoryUser> {
    const user = await this.deps.directory.findUserById(subjectId);
    if (!user) throw new ProblemError('unauthorized', 'The account no longer exists.');
    return user;
  }

  private async touch(trx: Trx, subjectId: string, confirmed: boolean): Promise<void> {
    // Registering or proving a method is also confirming the methods are current (R6).
    await this.deps.registrationStore.touch(trx, subjectId, confirmed, this.deps.clock.now().getTime());
  }

  async list(subjectId: string): Promise<RegisteredMethod[]> {
    const user = await this.user(subjectId);
    const stored = (await this.deps.methodStore.list(subjectId)).map(view);
    const now = this.deps.clock.now().toISOString();
    const fromDirectory: RegisteredMethod[] = [];
    const c = user.contact;
    if (c.mobilePhone) fromDirectory.push({ id: 'dir-mobilePhone', type: 'mobilePhone', hint: maskPhone(c.mobilePhone), source: 'directory', verified: true, createdAt: now });
    if (c.officePhone) fromDirectory.push({ id: 'dir-officePhone', type: 'officePhone', hint: maskPhone(c.officePhone), source: 'directory', verified: true, createdAt: now });
    if (c.alternateEmail) fromDirectory.push({ id: 'dir-email', type: 'email', hint: maskEmail(c.alternateEmail), source: 'directory', verified: true, createdAt: now });
    return [...stored, ...fromDirectory];
  }

  async questions(locale: Locale): Promise<{ questions: Array<{ id: string; text: string }>; requiredToRegister: number }> {
    const policy = await this.deps.policyStore.get();
    return { questions: availableQuestions(policy.sspr.securityQuestions, locale), requiredToRegister: policy.sspr.securityQuestions.requiredToRegister };
  }

  async register(body: RegisterMethodRequest, ctx: UserContext): Promise<RegisterMethodResponse> {
    const deps = this.deps;
    const user = await this.user(ctx.subjectId);
    const policy = await deps.policyStore.get();
    if (!(await isInScope(user, policy, deps.directory))) throw new ProblemError('forbidden', 'Self-service password reset is not enabled for your account.');
    // R8 / R10: only what the policy enables, and never questions for administrators.
    if (!effectiveRequirement(user, policy).types.includes(body.type)) {
      throw new ProblemError('forbidden', body.type === 'securityQuestions' && user.isAdmin ? 'Administrator accounts cannot use security questions.' : 'This method is not enabled by the policy.');
    }
    const plan = await this.deps.methodKinds[body.type].register({ policy, user, body, locale: ctx.locale });
    // R26, R27: a password alone never adds a method to an account that has one
    // (checked after the input, so bad input is still `invalid_request`).
    await deps.stepUp.assertMayChange({ user, signInId: ctx.signInId, client: ctx.client }, 'add');
    const proof = plan.sendCode ? { challengeId: newId() } : null;
    const code = proof ? issueCode(deps.codeKey, proof.challengeId) : null;
    const now = deps.clock.now().getTime();

    const outcome = await deps.db.transaction().execute(async (trx) => {
      let recorded: number[] = [];
      if (plan.sendCounts.length) {
        const admission = await this.deps.throttles.attempt(trx, throttleKey(user.id), plan.sendCounts);
        if (!admission.allowed) {
          await deps.auditLog.write(trx, { type: 'registration.add', user: user.username, method: body.type, result: 'locked', client: ctx.client, detail: { rule: admission.rule } });
          return { locked: admission.lockedUntil } as const;
        }
        recorded = admission.recorded;
      }
      if (plan.replacesAtOnce) await deps.methodStore.removeType(trx, user.id, plan.type, 'user');
      const method = await deps.methodStore.insert(trx, { subjectId: user.id, type: plan.type, source: 'user', verified: plan.verified, hint: plan.hint, data: plan.data });
      if (proof && code) {
        await deps.registrationStore.insertProof(trx, { id: proof.challengeId, session_id: proofSession(user.id), method_id: method.id, type: plan.type, code_hash: code.hash, data: '{}', status: 'pending', created_at: now, expires_at: now + CODE_TTL_MS, used_at: null });
      }
      await this.touch(trx, user.id, plan.verified);
      await deps.auditLog.write(trx, { type: 'registration.add', user: user.username, method: plan.type, result: 'success', client: ctx.client, detail: { pendingVerification: !plan.verified } });
      return { method, recorded } as const;
    });
    if (outcome.locked !== undefined) {
      throw new ProblemError('locked_out', 'Too many codes sent: try again later.', { retryAfterSeconds: retryAfterSeconds(outcome.locked, now) });
    }
    if (plan.sendCode && code && proof) await this.handOver(() => plan.sendCode!(code.code), { user, method: outcome.method, challengeId: proof.challengeId, recorded: outcome.recorded, client: ctx.client });
    if (plan.verified) this.notice(user, { kind: 'methodAdded', method: plan.type }, ctx);
    return { method: view(outcome.method), pendingVerification: !plan.verified, ...(plan.reveal ?? {}) };
  }

  /**
   * R11f, R43: a new method's code is with the relay / gateway before the answer, within the
   * delivery deadline. Refused or too slow: not counted, the code voided (a late delivery must
   * not work: the user was told it was not sent) and the unproved method gone, so adding it
   * again starts clean; the answer is `delivery_failed`, naming the method.
   */
  private async handOver(send: () => Promise<void>, c: { user: DirectoryUser; method: MethodRecord; challengeId: string; recorded: number[]; client: string }): Promise<void> {
    const deps = this.deps;
    const err = await withDeadline(send(), deps.deliveryTimeoutMs).then(
      () => null,
      (e: Error) => e,
    );
    if (!err) return;
    deps.log.warn({ err: err.message, method: c.method.type }, 'registration code not handed over');
    await deps.db.transaction().execute(async (trx) => {
      await deps.throttles.release(trx, throttleKey(c.user.id), c.recorded);
      await deps.registrationStore.denyProof(trx, c.challengeId);
      if (!c.method.verified) await deps.methodStore.remove(trx, c.user.id, c.method.id);
      await deps.auditLog.write(trx, { type: 'registration.add', user: c.user.username, method: c.method.type, result: 'failure', client: c.client, detail: { reason: 'delivery_failed' } });
    });
    throw new ProblemError('delivery_failed', 'The code could not be sent just now. Try again in a moment, or add another method.', { retryAfterSeconds: 30, method: c.method.type });
  }

  async verify(methodId: string, code: string, ctx: UserContext): Promise<{ method: RegisteredMethod }> {
    const deps = this.deps;
    const user = await this.user(ctx.subjectId);
    const method = await deps.methodStore.get(user.id, methodId);
    if (!method) throw new ProblemError('not_found', 'No such method.');
    if (method.verified) throw new ProblemError('conflict', 'This method is already verified.');
    const kind = this.deps.methodKinds[method.type];
    if (kind.proof === 'none') throw new ProblemError('conflict', 'This method needs no code.');
    const now = deps.clock.now().getTime();
    const challenge =
      kind.proof === 'sentCode'
        ? await deps.registrationStore.pendingProof(proofSession(user.id), method.id)
        : null;
    if (kind.proof === 'sentCode' && (!challenge || now >= Number(challenge.expires_at))) {
      throw new ProblemError('challenge_expired', 'The code has expired. Remove the method and add it again to get a new code.');
    }

    // Wrong codes count like wrong reset codes: atomically, failure first (R11e).
    const admission = await deps.db.transaction().execute((trx) => this.deps.throttles.attempt(trx, throttleKey(user.id), ['failure']));
    if (!admission.allowed) throw new ProblemError('locked_out', 'Too many wrong codes: try again later.', { retryAfterSeconds: retryAfterSeconds(admission.lockedUntil, now) });
    const right = challenge ? codeMatches(deps.codeKey, challenge.id, code, challenge.code_hash) : await kind.proveWithCode!(method, code);

    const outcome = await deps.db.transaction().execute(async (trx) => {
      if (right) {
        const used = challenge ? await deps.registrationStore.useProof(trx, challenge.id, now) : true;
        if (used) {
          if (admission.failureId !== null) await this.deps.throttles.releaseFailure(trx, throttleKey(user.id), admission.failureId);
          await deps.methodStore.markVerified(trx, user.id, method.id);
          await this.replaceOthers(trx, user.id, method);
          await this.touch(trx, user.id, true);
          await deps.auditLog.write(trx, { type: 'registration.verify', user: user.username, method: method.type, result: 'success', client: ctx.client });
          return { ok: true as const };
        }
      }
      const failure = await this.deps.throttles.settleFailure(trx, throttleKey(user.id));
      await deps.auditLog.write(trx, { type: 'registration.verify', user: user.username, method: method.type, result: 'failure', client: ctx.client, detail: { attemptsRemaining: failure.attemptsRemaining } });
      return { ok: false as const, ...failure };
    });
    if (!outcome.ok) {
      if (outcome.lockedUntil !== null) throw new ProblemError('locked_out', 'Too many wrong codes: try again later.', { retryAfterSeconds: retryAfterSeconds(outcome.lockedUntil, now), attemptsRemaining: 0 });
      throw new ProblemError('invalid_code', 'The code is not correct.', { attemptsRemaining: outcome.attemptsRemaining });
    }
    this.notice(user, { kind: 'methodAdded', method: method.type }, ctx);
    const updated = await deps.methodStore.get(user.id, method.id);
    return { method: view(updated!) };
  }

  /** A newly proven email, phone or authenticator replaces the user's earlier one of its type. */
  private async replaceOthers(trx: Trx, subjectId: string, kept: MethodRecord): Promise<void> {
    const replaced: MethodType[] = ['email', 'mobilePhone', 'officePhone', 'authenticatorCode'];
    if (!replaced.includes(kept.type)) return;
    await this.deps.methodStore.removeTypeBut(trx, subjectId, kept.type, 'user', kept.id);
  }

  async remove(methodId: string, ctx: UserContext): Promise<void> {
    const deps = this.deps;
    const user = await this.user(ctx.subjectId);
    const method = await deps.methodStore.get(user.id, methodId);
    if (!method) throw new ProblemError('not_found', 'No such method.');
    await deps.stepUp.assertMayChange({ user, signInId: ctx.signInId, client: ctx.client }, 'remove');
    await deps.db.transaction().execute(async (trx) => {
      await deps.methodStore.remove(trx, user.id, method.id);
      // R28: whoever else is signed in (perhaps the one who knew the password) is signed out.
      await deps.refreshTokens.revokeOtherFamilies(trx, user.id, ctx.signInId);
      await deps.registrationStore.supersedeProofs(trx, proofSession(user.id), method.id);
      await this.touch(trx, user.id, false);
      await deps.auditLog.write(trx, { type: 'registration.remove', user: user.username, method: method.type, result: 'success', client: ctx.client, detail: { source: method.source } });
    });
    // The address just removed hears of it too: it may be the owner's, and the remover not.
    const removedAddress = method.type === 'email' && method.verified ? [(method.data as { address: string }).address] : [];
    this.notice(user, { kind: 'methodRemoved', method: method.type }, { ...ctx, alsoTo: removedAddress });
  }

  /** R32: sent after the change, never awaited on the request path. */
  private notice(user: DirectoryUser, change: AccountChange, ctx: UserContext & { alsoTo?: string[] }): void {
    this.deps.accountNotifier.notify(user, change, ctx).catch((err: Error) => this.deps.log.warn({ err: err.message }, 'account notice failed'));
  }

  /** R6: the user confirms their methods are still current. */
  async confirm(ctx: UserContext): Promise<MeStatus> {
    const deps = this.deps;
    const user = await this.user(ctx.subjectId);
    await deps.stepUp.assertMayChange({ user, signInId: ctx.signInId, client: ctx.client }, 'confirm');
    await deps.db.transaction().execute(async (trx) => {
      await this.touch(trx, user.id, true);
      await deps.auditLog.write(trx, { type: 'registration.confirm', user: user.username, result: 'success', client: ctx.client });
    });
    return this.deps.meStatus.status(user.id);
  }
}
