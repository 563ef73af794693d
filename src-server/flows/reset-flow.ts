import { createHmac } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { MethodType, PhoneChannel } from '../../shared/api/common.js';
import type { Challenge, CreateResetSessionResponse, ResetSessionView, SetResetPasswordResponse, VerifyChallengeRequest, VerifyChallengeResponse } from '../../shared/api/reset.js';
import type { AuditEntry, AuditLog } from '../audit/audit-log.js';
import { revokeUserSessions } from '../auth/revocation.js';
import type { Clock } from '../clock.js';
import { canonicalLogin, DirectoryUnavailableError, type Directory, type DirectoryUser, type PasswordWriteResult } from '../directory/directory.js';
import { ProblemError } from '../errors.js';
import type { Log } from '../log.js';
import { CODE_TTL_MS } from '../methods/codes.js';
import { decoyMethods, decoySeed, decoyThrottleKey } from '../methods/decoy.js';
import { populationDecoy } from '../methods/decoy-population.js';
import type { DecoyPopulationStore } from '../store/decoy-population-store.js';
import type { MethodKinds, ResetTarget } from '../methods/method-kind.js';
import type { MethodStore } from '../methods/method-store.js';
import { effectiveRequirement } from '../methods/registration-status.js';
import { shownRequiredMethods } from './required-methods.js';
import type { HandoverChannel, HandoverTimes } from '../notify/handover-times.js';
import type { MailMessage } from '../notify/mailer.js';
import type { NoticeOutbox } from '../notify/notice-outbox.js';
import type { PasswordNotifier } from '../notify/notifications.js';
import { productPasswordViolations } from '../policy/password-check.js';
import type { PolicyStore } from '../policy/policy-store.js';
import type { SecretBox } from '../security/secret-box.js';
import { hashToken, newId, newToken } from '../security/tokens.js';
import type { Db } from '../store/db.js';
import type { OfferedMethod, PasswordIntent, ResetSessionStore, StoredResetSession } from '../store/reset-session-store.js';
import type { Database } from '../store/schema.js';
import { resetThrottleKey } from '../throttle/keys.js';
import type { ThrottleStore } from '../throttle/throttle-store.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { directoryContact, lockedOut, methodsForGate, passGate, pendingChallenge, resetEligibility, SESSION_TTL_MS, sessionIsActive, type RequestContext } from './reset-rules.js';

/** What completing a reset needs besides the session; kept sealed in an intent. */
interface Completion {
  unlock: boolean;
  wasLocked: boolean;
  client: string;
  notices: MailMessage[];
  /** The directory's password-changed time before the write: a later one means it landed. */
  changedBefore: number | null;
}

/** The relay a method's code goes through, if any. */
function handoverChannel(type: MethodType): HandoverChannel | null {
  return type === 'email' ? 'email' : type === 'mobilePhone' || type === 'officePhone' ? 'phone' : null;
}

/** `work`, or a rejection once `ms` have passed (the work itself is not cancelled). */
function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not handed over within ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

const sessionExpired = () => new ProblemError('session_expired', 'This reset session has ended. Start again.');
const publicView = (m: OfferedMethod) => ({ id: m.id, type: m.type, hint: m.hint });

export interface ResetFlowDependencies {
  db: Db;
  clock: Clock;
  directory: Directory;
  policyStore: PolicyStore;
  methodStore: MethodStore;
  methodKinds: MethodKinds;
  resetSessions: ResetSessionStore;
  throttles: ThrottleStore;
  auditLog: AuditLog;
  secretBox: SecretBox;
  passwordNotifier: PasswordNotifier;
  /** What real users' answers look like, for decoys drawn from it (R13b). */
  decoyPopulation: DecoyPopulationStore;
  /** The durable outbox the completion queues its notices in. */
  notices: NoticeOutbox;
  /** How long a `setting` claim holds (SSPR_RESET_CLAIM_MS). */
  claimMs: number;
  /** Recent real hand-overs, which decoys take after (R13b). */
  handovers: HandoverTimes;
  /** How long a code's hand-over to the relay may take (SSPR_DELIVERY_TIMEOUT_MS). */
  deliveryTimeoutMs: number;
  /** HMAC key for offered-method ids and decoy seeds. */
  codeKey: Buffer;
  log: Log;
}

/**
 * The reset flow (R2, R9d, R10–R13b, R18, R19): identify → one or two verified methods →
 * new password. Everything a caller learns before the password is set looks the same for
 * real users and decoys (R13b): same shapes, same status codes, the same work.
 */
export class ResetFlow {
  constructor(private readonly deps: ResetFlowDependencies) {}

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  private audit(conn: Db | Transaction<Database>, session: Pick<StoredResetSession, 'username' | 'decoy'>, entry: Omit<AuditEntry, 'user'>): Promise<void> {
    const detail = session.decoy ? { ...entry.detail, decoy: true } : entry.detail;
    return this.deps.auditLog.write(conn, { ...entry, user: session.username, detail: detail ?? null });
  }

  /** A name's decoy randomness, under the name its directory would resolve it to (alias-proof). */
  private seedFor(username: string): Buffer {
    return decoySeed(this.deps.codeKey, canonicalLogin(username));
  }

  /** The id a method has in one session: opaque, so real and decoy ids look alike. */
  private publicId(sessionId: string, ref: string): string {
    return createHmac('sha256', this.deps.codeKey).update(`offer:${sessionId}:${ref}`).digest('base64url').slice(0, 16);
  }

  async createSession(username: string, ctx: RequestContext): Promise<CreateResetSessionResponse> {
    const { directory, policyStore, methodStore, secretBox, decoyPopulation } = this.deps;
    const user = await directory.findUser(username);
    const policy = await policyStore.get();
    // Read for everyone (cached), real or not: the same work either way (R13b timing).
    const population = await decoyPopulation.get();
    // The same query for everyone, found or not (R13b timing).
    const stored = await methodStore.list(user?.id ?? `unknown:${username}`);
    const { usable, reason } = await resetEligibility(user, stored, policy, directory);
    const real = user && reason === null ? user : null;
    const seed = this.seedFor(username);
    // R29: decoys and the first answer take the ordinary requirement; only a real administrator's session holds R10's two.
    const publicRequirement = effectiveRequirement({ isAdmin: false }, policy);
    const requirement = real ? effectiveRequirement(real, policy) : publicRequirement;
    const id = newId();
    const offered: OfferedMethod[] = real
      ? usable.map((m) => {
          const contact = directoryContact(real, m.id);
          return { id: this.publicId(id, m.id), type: m.type, hint: m.hint, ref: m.id, ...(contact ? { sealed: secretBox.sealJson(contact) } : {}) };
        })
      : (populationDecoy(population, seed, publicRequirement.types, publicRequirement.required)?.map((m, i) => ({ ref: `decoy-${i}-${m.type}`, ...m })) ?? decoyMethods(seed, publicRequirement, policy)).map((m) => ({
          id: this.publicId(id, m.ref),
          type: m.type,
          hint: m.hint,
          ref: m.ref,
        }));

    // An alias the directory does not resolve (`alice@other.example`) is locked with the account
    // its canonical name resolves to, as an unknown name's aliases share its lock (R11, R13b).
    const canonical = canonicalLogin(username);
    const aliased = !user && canonical !== username.normalize('NFKC').trim().toLowerCase() ? await directory.findUser(canonical) : null;
    const throttleKey = real ? resetThrottleKey(real.id) : aliased ? resetThrottleKey(aliased.id) : decoyThrottleKey(seed);
    const token = newToken('rs');
    const now = this.now();
    const session = { username: real?.username ?? username, decoy: !real };
    const lock = await this.deps.db.transaction().execute(async (trx) => {
      const lock = await this.deps.throttles.activeLock(trx, throttleKey);
      await this.deps.resetSessions.create(trx, {
        id, tokenHash: hashToken(token), subjectId: real?.id ?? null, throttleKey, ...session, status: lock ? 'locked' : 'verifying',
        requiredMethods: requirement.required, gatesPassed: 0, passedMethodIds: [], offered, client: ctx.client, createdAt: now, expiresAt: now + SESSION_TTL_MS,
      });
      await this.audit(trx, session, { type: 'reset.started', result: lock ? 'locked' : real ? 'success' : 'failure', client: ctx.client, detail: reason ? { reason } : null });
      return lock;
    });
    if (lock) throw lockedOut(lock.until, now);
    const firstGate = methodsForGate({ offered, passedMethodIds: [], requiredMethods: requirement.required }, policy);
    return { sessionToken: token, expiresAt: new Date(now + SESSION_TTL_MS).toISOString(), requiredMethods: publicRequirement.required, methods: firstGate.map(publicView) };
  }

  private async load(token: string): Promise<StoredResetSession> {
    const session = await this.deps.resetSessions.byTokenHash(hashToken(token));
    if (!session) throw sessionExpired();
    return session;
  }

  /** A session that can still verify or set the password. */
  private async active(token: string): Promise<StoredResetSession> {
    const session = await this.load(token);
    if (!sessionIsActive(session, this.now())) throw sessionExpired();
    return session;
  }

  /** The real method behind an offered one (null for decoys), after the same lookup either way. */
  private async target(session: StoredResetSession, m: OfferedMethod): Promise<ResetTarget | null> {
    if (m.sealed) return { ref: m.ref, type: m.type, hint: m.hint, data: this.deps.secretBox.openJson(m.sealed) };
    const stored = await this.deps.methodStore.get(session.subjectId ?? session.throttleKey, m.ref);
    if (session.decoy) return null;
    if (!stored || !stored.verified || stored.type !== m.type) throw new ProblemError('not_found', 'This method is no longer registered. Choose another one.');
    return { ref: stored.id, type: stored.type, hint: stored.hint, data: stored.data };
  }

  async state(token: string): Promise<ResetSessionView> {
    let session = await this.load(token);
    // A write a crash or an outage left unsettled: ask the directory, then tell the truth.
    const open = session.status === 'setting' ? await this.deps.resetSessions.intentFor(session.id) : null;
    if (open && (await this.reconcile(open).catch(() => 'open')) !== 'open') session = await this.load(token);
    const now = this.now();
    const lock = await this.deps.throttles.activeLock(this.deps.db, session.throttleKey);
    const state: ResetSessionView['state'] =
      session.status === 'completed' ? 'completed'
      : !sessionIsActive(session, now) ? 'expired'
      : lock ? 'locked'
      : session.gatesPassed >= session.requiredMethods ? 'ready'
      : 'verifying';
    const latest = await this.deps.resetSessions.latestChallenge(session.id);
    const policy = await this.deps.policyStore.get();
    return {
      state,
      gatesPassed: session.gatesPassed,
      requiredMethods: shownRequiredMethods(session, effectiveRequirement({ isAdmin: false }, policy).required),
      methods: methodsForGate(session, policy).map(publicView),
      passedMethodIds: session.passedMethodIds,
      expiresAt: new Date(session.expiresAt).toISOString(),
      ...(state === 'verifying' || state === 'ready' ? pendingChallenge(latest, now) : {}),
      ...(state === 'ready' ? await this.passwordOwner(session) : {}),
    };
  }

  /**
   * The inputs of the name rule (R18b), for the app's live checklist; only once every gate is
   * passed. Advice only: a directory that is down leaves it out rather than fail the state.
   */
  private async passwordOwner(session: StoredResetSession): Promise<Pick<ResetSessionView, 'passwordOwner'>> {
    const unavailable = (err: unknown) => {
      if (err instanceof DirectoryUnavailableError) return null;
      throw err;
    };
    const user = session.subjectId ? await this.deps.directory.findUserById(session.subjectId).catch(unavailable) : null;
    return user ? { passwordOwner: { username: user.username, displayName: user.displayName, email: user.email } } : {};
  }

  /** R2 / R10 / R35: a gate still to pass, with a type not used for an earlier gate, that this gate allows. */
  private assertGateOpen(session: StoredResetSession, m: OfferedMethod, policy: PolicyDocument): void {
    if (session.gatesPassed >= session.requiredMethods) throw new ProblemError('conflict', 'Every verification is done: set the new password.');
    const passedTypes = session.passedMethodIds.map((id) => session.offered.find((o) => o.id === id)?.type);
    if (passedTypes.includes(m.type)) throw new ProblemError('conflict', 'Use a different kind of method for the next verification.');
    if (!methodsForGate(session, policy).some((o) => o.id === m.id)) throw new ProblemError('conflict', 'This method cannot be used for this verification step. Choose one of the methods offered.');
  }

  async createChallenge(token: string, body: { methodId: string; channel?: PhoneChannel }, ctx: RequestContext): Promise<Challenge> {
    const session = await this.active(token);
    const m = session.offered.find((o) => o.id === body.methodId);
    if (!m) throw new ProblemError('not_found', 'This session offers no such method.');
    const kind = this.deps.methodKinds[m.type];
    kind.validateStart(m.type, body.channel);
    const policy = await this.deps.policyStore.get();
    this.assertGateOpen(session, m, policy);
    const target = await this.target(session, m);
    const now = this.now();
    const challengeId = newId();
    const expiresAt = Math.min(now + CODE_TTL_MS, session.expiresAt);
    const subjectKey = session.subjectId ?? session.throttleKey;
    const started = await kind.start({
      policy, challengeId, type: m.type, target, subjectKey, decoySeed: this.seedFor(session.username),
      channel: body.channel, locale: ctx.locale, client: ctx.client, now: new Date(now), expiresAt: new Date(expiresAt),
    });
    const admitted = await this.deps.db.transaction().execute(async (trx) => {
      const admission = await this.deps.throttles.attempt(trx, session.throttleKey, started.counts);
      if (!admission.allowed) {
        if (admission.tripped) await this.audit(trx, session, { type: 'reset.lockout', method: m.type, result: 'locked', client: ctx.client, detail: { rule: admission.rule } });
        await this.audit(trx, session, { type: 'reset.challenge', method: m.type, result: 'locked', client: ctx.client });
        return admission;
      }
      // A new challenge for the same method supersedes the old one (R13).
      await this.deps.resetSessions.supersedeChallenges(trx, session.id, m.id);
      await this.deps.resetSessions.addChallenge(trx, { id: challengeId, sessionId: session.id, methodId: m.id, type: m.type, codeHash: started.codeHash, data: started.data, createdAt: now, expiresAt });
      await started.persist?.(trx);
      await this.audit(trx, session, { type: 'reset.challenge', method: m.type, result: 'success', client: ctx.client, detail: 'channel' in started.data ? { channel: started.data.channel } : null });
      return admission;
    });
    if (!admitted.allowed) throw lockedOut(admitted.lockedUntil, now);
    const channel = handoverChannel(m.type);
    if (channel) await this.handOver(channel, started.deliver, { session, method: m.type, challengeId, recorded: admitted.recorded, client: ctx.client });
    return { challengeId, type: m.type, expiresAt: new Date(expiresAt).toISOString(), ...started.reply };
  }

  /**
   * R12: the code is with the relay / gateway before the challenge answers, within the
   * delivery deadline. A hand-over refused or too slow answers `delivery_failed` and is not
   * counted (R11b/R11c). A decoy (nothing to send) takes as long as a recent real hand-over
   * and ends as it did (R13b), so an unknown name answers alike even while the relay is down.
   */
  private async handOver(
    channel: HandoverChannel,
    deliver: (() => Promise<void>) | null,
    c: { session: StoredResetSession; method: MethodType; challengeId: string; recorded: number[]; client: string },
  ): Promise<void> {
    const { handovers, deliveryTimeoutMs, log } = this.deps;
    const begun = performance.now();
    let ok: boolean;
    if (deliver) {
      ok = await withDeadline(deliver(), deliveryTimeoutMs).then(
        () => true,
        (err: Error) => {
          log.warn({ err: err.message, method: c.method }, 'verification code not handed over');
          return false;
        },
      );
      handovers.record(channel, { ms: performance.now() - begun, ok, at: this.now() });
    } else {
      const like = handovers.draw(channel, this.now(), Math.random());
      if (like) await handovers.imitate(channel, begun, like.ms);
      ok = like?.ok ?? true;
    }
    if (ok) return;
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.throttles.release(trx, c.session.throttleKey, c.recorded);
      await this.deps.resetSessions.settleChallenge(trx, c.challengeId, 'denied', this.now());
      await this.audit(trx, c.session, { type: 'reset.challenge', method: c.method, result: 'failure', client: c.client, detail: { reason: 'delivery_failed' } });
    });
    throw new ProblemError('delivery_failed', 'The code could not be sent just now. Try again in a moment, or choose another method.', { retryAfterSeconds: 30, method: c.method });
  }

  async verify(token: string, challengeId: string, input: VerifyChallengeRequest, ctx: RequestContext): Promise<Omit<VerifyChallengeResponse, 'session'>> {
    const { db, throttles, resetSessions } = this.deps;
    const session = await this.active(token);
    const c = await resetSessions.challenge(challengeId, session.id);
    if (!c) throw new ProblemError('not_found', 'This session has no such challenge.');
    const kind = this.deps.methodKinds[c.type];
    if (kind.answeredWith === 'companion') throw new ProblemError('invalid_request', 'A push is approved on the companion app; poll GET /reset/session for its status.');
    if (kind.answeredWith === 'code' && !('code' in input)) throw new ProblemError('invalid_request', 'This challenge is answered with a `code`.');
    kind.validateAnswer?.(c.data, input);
    const now = this.now();
    if (c.status !== 'pending' || now >= c.expiresAt) throw new ProblemError('challenge_expired', 'This code or question set is no longer valid. Ask for a new one.');
    const m = session.offered.find((o) => o.id === c.methodId);
    if (!m) throw new ProblemError('not_found', 'This session offers no such method.');
    this.assertGateOpen(session, m, await this.deps.policyStore.get());
    const target = await this.target(session, m);
    const audit = (trx: Transaction<Database>, result: AuditEntry['result'], detail?: AuditEntry['detail']) => this.audit(trx, session, { type: 'reset.verify', method: m.type, result, client: ctx.client, detail });
    const lockout = (trx: Transaction<Database>, rule: string) => this.audit(trx, session, { type: 'reset.lockout', method: m.type, result: 'locked', client: ctx.client, detail: { rule } });

    // Admitted inside the database, counted as a failure until it succeeds (R11e).
    const admission = await db.transaction().execute(async (trx) => {
      const a = await throttles.attempt(trx, session.throttleKey, ['failure', ...kind.verifyCounts]);
      if (!a.allowed) {
        if (a.tripped) await lockout(trx, a.rule);
        await audit(trx, 'locked');
      }
      return a;
    });
    if (!admission.allowed) throw lockedOut(admission.lockedUntil, now);

    const subjectKey = session.subjectId ?? session.throttleKey;
    const right = await kind.check({ challenge: { id: c.id, codeHash: c.codeHash, data: c.data }, target, subjectKey, decoySeed: this.seedFor(session.username), input, now: new Date(now) });

    const outcome = await db.transaction().execute(async (trx) => {
      if (right && (await resetSessions.settleChallenge(trx, c.id, 'used', now))) {
        if (admission.failureId !== null) await throttles.releaseFailure(trx, session.throttleKey, admission.failureId);
        const gates = await passGate(resetSessions, trx, session.id, m.id);
        await audit(trx, 'success');
        return { ok: true as const, ...gates };
      }
      // R9d: a wrong answer spends the draw; the next challenge draws afresh.
      if (kind.answeredWith === 'answers') await resetSessions.spendChallenge(trx, c.id);
      const failure = await throttles.settleFailure(trx, session.throttleKey);
      await audit(trx, 'failure', { attemptsRemaining: failure.attemptsRemaining });
      if (failure.tripped) await lockout(trx, 'R11a');
      return { ok: false as const, ...failure };
    });
    if (outcome.ok) return { gatesPassed: outcome.gatesPassed, requiredMethods: session.requiredMethods, complete: outcome.gatesPassed >= session.requiredMethods };
    if (outcome.lockedUntil !== null) throw lockedOut(outcome.lockedUntil, now, { attemptsRemaining: 0 });
    const extras = { attemptsRemaining: outcome.attemptsRemaining };
    if (kind.answeredWith === 'answers') throw new ProblemError('invalid_answers', 'At least one answer is not correct. New questions are drawn for the next try.', extras);
    throw new ProblemError('invalid_code', 'The code is not correct.', extras);
  }

  async setPassword(token: string, body: { newPassword: string; unlockAccount: boolean }, ctx: RequestContext): Promise<SetResetPasswordResponse> {
    const { db, directory, resetSessions } = this.deps;
    const session = await this.active(token);
    if (session.gatesPassed < session.requiredMethods || !session.subjectId) {
      throw new ProblemError('gates_incomplete', `Verify ${session.requiredMethods - session.gatesPassed} more method(s) first.`);
    }
    const user = await directory.findUserById(session.subjectId);
    const audit = (result: AuditEntry['result'], detail: Record<string, unknown> | null) =>
      db.transaction().execute((trx) => this.audit(trx, session, { type: 'reset.password', result, client: ctx.client, detail }));
    if (!user) {
      await audit('denied', { reason: 'gone' });
      throw new ProblemError('forbidden', 'This account no longer exists.');
    }
    // R19: a disabled account verifies like any other, and is refused here.
    if (user.disabled) {
      await audit('denied', { reason: 'disabled' });
      throw new ProblemError('forbidden', 'This account is disabled, so its password cannot be reset. Contact your administrator.');
    }
    const policy = await this.deps.policyStore.get();
    const violations = productPasswordViolations(body.newPassword, policy, user, ctx.locale);
    if (violations.length) {
      await audit('failure', { reason: 'productPolicy', rules: violations.map((v) => v.rule) });
      throw new ProblemError('password_policy', 'The new password does not meet the policy.', { violations });
    }
    // One write at a time per session: a double submit must not race the first one into
    // the directory's history check. The claim lapses, so a crash never holds the session.
    const now = this.now();
    if (!(await resetSessions.claimForWrite(db, session.id, now, now + this.deps.claimMs))) throw new ProblemError('conflict', 'The new password is already being set.');
    const release = () => resetSessions.moveStatus(db, session.id, ['setting'], 'ready');
    let written: PasswordWriteResult;
    try {
      // R22: rendered now, queued in the transaction that completes the reset.
      const notices = await this.deps.passwordNotifier.messages(user, { how: 'reset', client: ctx.client, locale: ctx.locale, when: new Date(now) });
      const completion: Completion = { unlock: body.unlockAccount, wasLocked: user.locked, client: ctx.client, notices, changedBefore: user.password.lastChangedAt?.getTime() ?? null };
      // The directory's verdict is the user's to see (R18a); if it cannot be reached the
      // error propagates (directory_unavailable) and the session stays usable for a retry.
      written = directory.resetPasswordWith
        ? await directory.resetPasswordWith(user, body.newPassword, { unlock: body.unlockAccount }, async (trx) => void (await this.complete(trx, session, user.id, completion)))
        : await this.writeWithIntent(session, user, body.newPassword, completion);
    } catch (err) {
      // An external write whose outcome is unknown keeps its claim until reconciled or lapsed.
      if (!(await resetSessions.intentFor(session.id))) await release();
      throw err;
    }
    if (!written.ok) {
      await release();
      await audit('failure', { reason: 'directoryPolicy', rules: written.violations.map((v) => v.rule) });
      throw new ProblemError('password_policy', 'The directory refused the new password.', { violations: written.violations });
    }
    this.deps.notices.kick();
    return { unlocked: body.unlockAccount, changedAt: written.changedAt.toISOString() };
  }

  /**
   * Everything a reset means besides the password itself, in the caller's transaction: the
   * session completed, sessions and refresh tokens revoked, R11d's counters cleared, the audit
   * event and the queued notices. False when the session was completed already.
   */
  private async complete(trx: Transaction<Database>, session: StoredResetSession, userId: string, c: Completion, how?: { reconciled: true }): Promise<boolean> {
    if (!(await this.deps.resetSessions.moveStatus(trx, session.id, ['verifying', 'ready', 'setting'], 'completed', { completedAt: this.now() }))) return false;
    await revokeUserSessions(trx, this.deps.clock, userId, session.id);
    // R11d: a successful reset clears every counter.
    await this.deps.throttles.clear(trx, session.throttleKey);
    await this.audit(trx, session, { type: 'reset.password', result: 'success', client: c.client, detail: how ?? null });
    if (c.unlock) await this.audit(trx, session, { type: 'reset.unlock', result: 'success', client: c.client, detail: { wasLocked: c.wasLocked } });
    await this.deps.notices.enqueue(trx, c.notices);
    return true;
  }

  /**
   * An external directory cannot join the store's transaction: an intent is recorded before
   * the write and closed with the completion after it; one a crash or an outage left open is
   * reconciled against the directory (at once, and by `reconcileOpenIntents`).
   */
  private async writeWithIntent(session: StoredResetSession, user: DirectoryUser, newPassword: string, c: Completion): Promise<PasswordWriteResult> {
    const { db, directory, resetSessions, secretBox } = this.deps;
    const now = this.now();
    const intent: PasswordIntent = { sessionId: session.id, userId: user.id, sealed: secretBox.sealJson(c), createdAt: now, expiresAt: session.expiresAt };
    await resetSessions.recordIntent(db, intent);
    let written: PasswordWriteResult;
    try {
      written = await directory.resetPassword(user, newPassword, { unlock: c.unlock });
    } catch (err) {
      // The write may still have landed: ask the directory before telling the user it failed.
      const outcome = await this.reconcile(intent, { inFlight: true }).catch(() => 'open' as const);
      if (outcome === 'completed') return { ok: true, changedAt: new Date(now) };
      throw err;
    }
    if (!written.ok) {
      await resetSessions.dropIntent(db, session.id);
      return written;
    }
    await db.transaction().execute(async (trx) => {
      await this.complete(trx, session, user.id, c);
      await resetSessions.dropIntent(trx, session.id);
    });
    return written;
  }

  /**
   * Settles one open intent from the directory's own record: a password changed since the
   * intent was recorded completes the reset; otherwise the session is `ready` again. A directory
   * that cannot be reached leaves it open (an intent past its session's end is dropped).
   */
  private async reconcile(intent: PasswordIntent, o: { inFlight?: boolean } = {}): Promise<'completed' | 'not-applied' | 'open'> {
    const { db, directory, resetSessions } = this.deps;
    const session = await resetSessions.byId(intent.sessionId);
    if (!session || session.status === 'completed') {
      await resetSessions.dropIntent(db, intent.sessionId);
      return session ? 'completed' : 'not-applied';
    }
    // A write still in flight elsewhere is its request's to settle, until its claim lapses.
    if (!o.inFlight && session.status === 'setting' && (session.claimUntil ?? 0) > this.now()) return 'open';
    const user = await directory.findUserById(intent.userId).catch((err: unknown) => {
      if (err instanceof DirectoryUnavailableError) return undefined;
      throw err;
    });
    if (user === undefined) {
      if (this.now() < intent.expiresAt) return 'open';
      await resetSessions.dropIntent(db, intent.sessionId);
      return 'not-applied';
    }
    // Compared with the directory's own earlier stamp, not our clock: no skew, and whole
    // seconds (pwdChangedTime) cannot make an older change look like this one.
    const c = this.deps.secretBox.openJson<Completion>(intent.sealed);
    const changed = user?.password.lastChangedAt?.getTime() ?? null;
    if (user && changed !== null && (c.changedBefore === null || changed > c.changedBefore)) {
      await db.transaction().execute(async (trx) => {
        if (await resetSessions.dropIntent(trx, intent.sessionId)) await this.complete(trx, session, intent.userId, c, { reconciled: true });
      });
      this.deps.notices.kick();
      return 'completed';
    }
    await db.transaction().execute(async (trx) => {
      await resetSessions.dropIntent(trx, intent.sessionId);
      await resetSessions.moveStatus(trx, session.id, ['setting'], 'ready');
    });
    return 'not-applied';
  }

  /** Intents a crash or an outage left open (start-up, then periodically). */
  async reconcileOpenIntents(): Promise<{ completed: number; notApplied: number; open: number }> {
    const counts = { completed: 0, notApplied: 0, open: 0 };
    for (const intent of await this.deps.resetSessions.openIntents(500)) {
      const outcome = await this.reconcile(intent);
      if (outcome === 'completed') counts.completed++;
      else if (outcome === 'not-applied') counts.notApplied++;
      else counts.open++;
    }
    return counts;
  }

  async cancel(token: string, ctx: RequestContext): Promise<void> {
    const session = await this.active(token);
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.resetSessions.moveStatus(trx, session.id, 'any', 'cancelled', { expiresAt: this.now() });
      await this.deps.resetSessions.supersedeChallenges(trx, session.id);
      await this.audit(trx, session, { type: 'reset.cancelled', result: 'success', client: ctx.client });
    });
  }
}
