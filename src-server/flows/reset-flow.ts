import type { Transaction } from 'kysely';
import type { PhoneChannel, ResetMethodType } from '../../shared/api/common.js';
import type { Challenge, CreateResetSessionResponse, ResetSessionView, VerifyChallengeRequest, VerifyChallengeResponse } from '../../shared/api/reset.js';
import type { AuditEntry, AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Directory } from '../directory/directory.js';
import { ProblemError } from '../errors.js';
import { CODE_TTL_MS } from '../methods/codes.js';
import type { ChallengeKinds, ResetTarget } from '../methods/method-kind.js';
import type { MethodStore } from '../store/method-store.js';
import { effectiveRequirement } from '../methods/registration-status.js';
import type { PolicyStore } from '../store/policy-store.js';
import type { SecretBox } from '../security/secret-box.js';
import { hashToken, newId, newToken } from '../security/tokens.js';
import type { Db } from '../store/db.js';
import type { DecoyPopulationStore } from '../store/decoy-population-store.js';
import type { OfferedMethod, ResetSessionStore, StoredResetSession } from '../store/reset-session-store.js';
import type { Database } from '../store/schema.js';
import type { ThrottleStore } from '../store/throttle-store.js';
import { handoverChannel, type CodeHandover } from './code-handover.js';
import { shownRequiredMethods } from './required-methods.js';
import type { ResponseFloor, ResponseFloors } from '../security/response-floor.js';
import { auditReset } from './reset-audit.js';
import { offeredMethods, publicView, seedFor, throttleKeyFor } from './reset-offer.js';
import type { ResetPassword } from './reset-password.js';
import { passwordOwner } from './password-owner.js';
import { activeResetSession, assertGateOpen, lockedOut, methodsForGate, offeredMethod, passGate, pendingChallenge, resetEligibility, resetSessionOf, SESSION_TTL_MS, sessionIsActive, type RequestContext } from './reset-rules.js';

interface ResetFlowDependencies {
  db: Db;
  clock: Clock;
  directory: Directory;
  policyStore: PolicyStore;
  methodStore: MethodStore;
  /** Every method type's challenge half, and the access pass (R39). */
  challengeKinds: ChallengeKinds;
  resetSessions: ResetSessionStore;
  throttles: ThrottleStore;
  auditLog: AuditLog;
  secretBox: SecretBox;
  /** What real users' answers look like, for decoys drawn from it (R13b). */
  decoyPopulation: DecoyPopulationStore;
  /** Hands codes to the relay, and times decoys after real hand-overs (R12, R13b). */
  codeHandover: CodeHandover;
  /** The password step, which also settles a write a crash left open. */
  resetPassword: ResetPassword;
  /** HMAC key for offered-method ids and decoy seeds. */
  codeKey: Buffer;
  /** The least time identify answers take, known name or not (R13b). */
  identifyFloor: ResponseFloor;
  /** The floors verification answers wait for, one per challenge type (R13b). */
  verifyFloors: ResponseFloors<ResetMethodType>;
}

/**
 * The reset flow (R2, R9d, R10–R13b): identify → one or two verified methods; the new
 * password is `ResetPassword`'s step. Everything a caller learns before the password is set looks the same for
 * real users and decoys (R13b): same shapes, same status codes, the same work.
 */
export class ResetFlow {
  constructor(private readonly deps: ResetFlowDependencies) {}

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  private audit(conn: Db | Transaction<Database>, session: Pick<StoredResetSession, 'username' | 'decoy'>, entry: Omit<AuditEntry, 'user'>): Promise<void> {
    return auditReset(this.deps.auditLog, conn, session, entry);
  }

  private seedFor(username: string): Buffer {
    return seedFor(this.deps.codeKey, username);
  }

  /**
   * Identify (R2). A known name costs a little more to answer than an unknown one (its methods
   * are sealed into the session, about 0.05 ms on loopback): every answer, refusals included,
   * leaves at the identify floor, so that difference never shows (R13b).
   */
  async createSession(username: string, ctx: RequestContext): Promise<CreateResetSessionResponse> {
    const { identifyFloor } = this.deps;
    const begun = performance.now();
    const floor = identifyFloor.floor(this.now());
    try {
      const opened = await this.openSession(username, ctx);
      // Answers only: a directory timing out says nothing about how long an answer takes.
      identifyFloor.record(performance.now() - begun, this.now());
      return opened;
    } finally {
      await identifyFloor.holdUntil(begun + floor);
    }
  }

  private async openSession(username: string, ctx: RequestContext): Promise<CreateResetSessionResponse> {
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
    const offered = offeredMethods({ codeKey: this.deps.codeKey, secretBox, sessionId: id, real: real && { user: real, usable }, seed, population, requirement: publicRequirement, policy });

    const throttleKey = await throttleKeyFor(directory, username, { user, real, seed });
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

  private active(token: string): Promise<StoredResetSession> {
    return activeResetSession(this.deps.resetSessions, token, this.now());
  }

  /** The real method behind an offered one (null for decoys), after the same lookup either way; a pass has none (R39). */
  private async target(session: StoredResetSession, m: OfferedMethod): Promise<ResetTarget | null> {
    if (m.type === 'accessPass') return null;
    if (m.sealed) return { ref: m.ref, type: m.type, hint: m.hint, data: this.deps.secretBox.openJson(m.sealed) };
    const stored = await this.deps.methodStore.get(session.subjectId ?? session.throttleKey, m.ref);
    if (session.decoy) return null;
    if (!stored || !stored.verified || stored.type !== m.type) throw new ProblemError('not_found', 'This method is no longer registered. Choose another one.');
    return { ref: stored.id, type: stored.type, hint: stored.hint, data: stored.data };
  }

  async state(token: string): Promise<ResetSessionView> {
    let session = await resetSessionOf(this.deps.resetSessions, token);
    // A write a crash or an outage left unsettled: ask the directory, then tell the truth.
    if (await this.deps.resetPassword.settle(session)) session = await resetSessionOf(this.deps.resetSessions, token);
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
      ...(state === 'ready' ? await passwordOwner(this.deps.directory, session.subjectId) : {}),
    };
  }

  async createChallenge(token: string, body: { methodId: string; channel?: PhoneChannel }, ctx: RequestContext): Promise<Challenge> {
    const begun = performance.now();
    const session = await this.active(token);
    const m = offeredMethod(session, body.methodId);
    const kind = this.deps.challengeKinds[m.type];
    kind.validateStart(m.type, body.channel);
    const policy = await this.deps.policyStore.get();
    assertGateOpen(session, m, policy);
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
    // R12: the code is with the relay before the challenge answers; a failed hand-over is not counted (R11b/R11c).
    const channel = handoverChannel(m.type);
    if (channel && !(await this.deps.codeHandover.handOver(channel, started.deliver, m.type, begun))) {
      await this.deps.db.transaction().execute(async (trx) => {
        await this.deps.throttles.release(trx, session.throttleKey, admitted.recorded);
        await this.deps.resetSessions.settleChallenge(trx, challengeId, 'denied', this.now());
        await this.audit(trx, session, { type: 'reset.challenge', method: m.type, result: 'failure', client: ctx.client, detail: { reason: 'delivery_failed' } });
      });
      throw new ProblemError('delivery_failed', 'The code could not be sent just now. Try again in a moment, or choose another method.', { retryAfterSeconds: 30, method: m.type });
    }
    return { challengeId, type: m.type, expiresAt: new Date(expiresAt).toISOString(), ...started.reply };
  }

  /**
   * Verify (R9, R11). A real user's answer costs a little more than a decoy's (its method is
   * read and unsealed, its row is longer; 0.02-0.1 ms measured on Node 20): once the challenge
   * is known, every answer, wrong codes included, leaves at the floor of its challenge type's
   * recent answers, so that difference never shows (R13b). A store or directory failure is
   * held too but not recorded: its wait says nothing about how long an answer takes.
   */
  async verify(token: string, challengeId: string, input: VerifyChallengeRequest, ctx: RequestContext): Promise<Omit<VerifyChallengeResponse, 'session'>> {
    const begun = performance.now();
    /** Set once the challenge's type is read: its floor, and the floor's value then. */
    const held: { floor?: ResponseFloor; ms?: number } = {};
    let answered = false;
    try {
      const result = await this.answer(token, challengeId, input, ctx, (type) => {
        held.floor = this.deps.verifyFloors.of(type);
        held.ms = held.floor.floor(this.now());
      });
      answered = true;
      return result;
    } catch (e) {
      answered = e instanceof ProblemError;
      throw e;
    } finally {
      if (held.floor) {
        if (answered) held.floor.record(performance.now() - begun, this.now());
        await held.floor.holdUntil(begun + held.ms!);
      }
    }
  }

  /** `verify`'s work; `typeKnown` is told the challenge's type as soon as it is read. */
  private async answer(token: string, challengeId: string, input: VerifyChallengeRequest, ctx: RequestContext, typeKnown: (type: ResetMethodType) => void): Promise<Omit<VerifyChallengeResponse, 'session'>> {
    const { db, throttles, resetSessions } = this.deps;
    const session = await this.active(token);
    const c = await resetSessions.challenge(challengeId, session.id);
    if (!c) throw new ProblemError('not_found', 'This session has no such challenge.');
    typeKnown(c.type);
    const kind = this.deps.challengeKinds[c.type];
    if (kind.answeredWith === 'companion') throw new ProblemError('invalid_request', 'A push is approved on the companion app; poll GET /reset/session for its status.');
    if (kind.answeredWith === 'code' && !('code' in input)) throw new ProblemError('invalid_request', 'This challenge is answered with a `code`.');
    kind.validateAnswer?.(c.data, input);
    const now = this.now();
    if (c.status !== 'pending' || now >= c.expiresAt) throw new ProblemError('challenge_expired', 'This code or question set is no longer valid. Ask for a new one.');
    const m = offeredMethod(session, c.methodId);
    assertGateOpen(session, m, await this.deps.policyStore.get());
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

  async cancel(token: string, ctx: RequestContext): Promise<void> {
    const session = await this.active(token);
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.resetSessions.moveStatus(trx, session.id, 'any', 'cancelled', { expiresAt: this.now() });
      await this.deps.resetSessions.supersedeChallenges(trx, session.id);
      await this.audit(trx, session, { type: 'reset.cancelled', result: 'success', client: ctx.client });
    });
  }
}
