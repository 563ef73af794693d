import { createHmac } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { PhoneChannel } from '../../shared/api/common.js';
import type { Challenge, CreateResetSessionResponse, ResetSessionView, SetResetPasswordResponse, VerifyChallengeRequest, VerifyChallengeResponse } from '../../shared/api/reset.js';
import type { AuditEntry, AuditLog } from '../audit/audit-log.js';
import { revokeUserSessions } from '../auth/revocation.js';
import type { Clock } from '../clock.js';
import { canonicalLogin, DirectoryUnavailableError, type Directory } from '../directory/directory.js';
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
import type { PasswordNotifier } from '../notify/notifications.js';
import { productPasswordViolations } from '../policy/password-check.js';
import type { PolicyStore } from '../policy/policy-store.js';
import type { SecretBox } from '../security/secret-box.js';
import { hashToken, newId, newToken } from '../security/tokens.js';
import type { Db } from '../store/db.js';
import type { OfferedMethod, ResetSessionStore, StoredResetSession } from '../store/reset-session-store.js';
import type { Database } from '../store/schema.js';
import { resetThrottleKey } from '../throttle/keys.js';
import type { ThrottleStore } from '../throttle/throttle-store.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { directoryContact, lockedOut, methodsForGate, passGate, pendingChallenge, resetEligibility, SESSION_TTL_MS, sessionIsActive, type RequestContext } from './reset-rules.js';

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
    const session = await this.load(token);
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
    // Handed over at once, never awaited here: delivery time must not show (R12, R13b).
    if (started.deliver) started.deliver().catch((err: Error) => this.deps.log.warn({ err: err.message, method: m.type }, 'verification code not handed over'));
    return { challengeId, type: m.type, expiresAt: new Date(expiresAt).toISOString(), ...started.reply };
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
    const { db, directory, resetSessions, throttles } = this.deps;
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
    // the directory's history check.
    if (!(await resetSessions.moveStatus(db, session.id, ['verifying', 'ready'], 'setting'))) throw new ProblemError('conflict', 'The new password is already being set.');
    const release = () => resetSessions.moveStatus(db, session.id, ['setting'], 'ready');
    // The directory's verdict is the user's to see (R18a); if it cannot be reached the
    // error propagates (directory_unavailable) and the session stays usable for a retry.
    const written = await directory.resetPassword(user, body.newPassword, { unlock: body.unlockAccount }).catch(async (err: unknown) => {
      await release();
      throw err;
    });
    if (!written.ok) {
      await release();
      await audit('failure', { reason: 'directoryPolicy', rules: written.violations.map((v) => v.rule) });
      throw new ProblemError('password_policy', 'The directory refused the new password.', { violations: written.violations });
    }
    await db.transaction().execute(async (trx) => {
      await resetSessions.moveStatus(trx, session.id, 'any', 'completed', { completedAt: this.now() });
      await revokeUserSessions(trx, this.deps.clock, user.id, session.id);
      // R11d: a successful reset clears every counter.
      await throttles.clear(trx, session.throttleKey);
      await this.audit(trx, session, { type: 'reset.password', result: 'success', client: ctx.client });
      if (body.unlockAccount) await this.audit(trx, session, { type: 'reset.unlock', result: 'success', client: ctx.client, detail: { wasLocked: user.locked } });
    });
    this.deps.passwordNotifier.passwordChanged(user, { how: 'reset', client: ctx.client, locale: ctx.locale }).catch((err: Error) => this.deps.log.warn({ err: err.message }, 'reset notification failed'));
    return { unlocked: body.unlockAccount, changedAt: written.changedAt.toISOString() };
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
