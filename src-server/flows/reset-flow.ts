import { createHmac } from 'node:crypto';
import type { Selectable, Transaction } from 'kysely';
import type { Locale, MethodType } from '../../shared/api/common.js';
import type { Challenge, CreateResetSessionResponse, ResetSessionState, SetResetPasswordResponse, VerifyChallengeRequest, VerifyChallengeResponse } from '../../shared/api/reset.js';
import type { AuditEntry } from '../audit/audit-log.js';
import { revokeUserSessions } from '../auth/revocation.js';
import type { DirectoryUser } from '../directory/directory.js';
import { ApiError } from '../http/problem.js';
import { CODE_TTL_MS } from '../methods/codes.js';
import { decoyMethods, decoySeed, decoyThrottleKey } from '../methods/decoy.js';
import { METHOD_KINDS } from '../methods/index.js';
import type { ResetTarget } from '../methods/method-kind.js';
import type { MethodData } from '../methods/method-store.js';
import type { ApprovalHub } from '../methods/push.js';
import { effectiveRequirement, usableMethods, type UsableMethod } from '../methods/registration-status.js';
import { notifyPasswordChanged } from '../notify/notifications.js';
import { shownRequiredMethods } from './required-methods.js';
import { productPasswordViolations } from '../policy/password-check.js';
import { isInScope } from '../policy/scope.js';
import { hashToken, newId, newToken } from '../security/tokens.js';
import type { Services } from '../services.js';
import { ReusableQuery } from '../store/db.js';
import type { Database } from '../store/schema.js';
import { retryAfterSeconds } from '../throttle/rules.js';
import { ThrottleStore } from '../throttle/throttle-store.js';
import { resetThrottleKey } from '../throttle/keys.js';

/** R13: a reset session lives 15 minutes from its start. */
export const SESSION_TTL_MS = 15 * 60_000;

type SessionRow = Selectable<Database['reset_sessions']>;
type ChallengeRow = Selectable<Database['challenges']>;
type Trx = Transaction<Database>;

/** A method as a session offers it: a public id that means something only in this session. */
export interface OfferedMethod {
  id: string;
  type: MethodType;
  hint: string;
  /** The stored method id, `dir-*` for directory contact data, `decoy-*` for a decoy's. */
  ref: string;
  /** Directory contact data, sealed, taken when the session started. */
  sealed?: string;
}

export interface RequestContext {
  client: string;
  locale: Locale;
}

const DIRECTORY_DATA: Record<string, (u: DirectoryUser) => MethodData[MethodType] | null> = {
  'dir-mobilePhone': (u) => (u.contact.mobilePhone ? { number: u.contact.mobilePhone } : null),
  'dir-officePhone': (u) => (u.contact.officePhone ? { number: u.contact.officePhone } : null),
  'dir-email': (u) => (u.contact.alternateEmail ? { address: u.contact.alternateEmail } : null),
};

function lockedOut(lockedUntil: number, now: number, extras: { attemptsRemaining?: number } = {}): ApiError {
  return new ApiError('locked_out', 'Too many attempts: password reset is locked for this account for now. Try again later or contact your administrator.', {
    retryAfterSeconds: retryAfterSeconds(lockedUntil, now),
    ...extras,
  });
}

/**
 * One more gate passed in session `sessionId` with offered method `methodId` (a code, answers
 * or an approved push), on the session row locked for this.
 */
/** The steps every reset takes, compiled once per store (see ReusableQuery). */
const Q = {
  session: new ReusableQuery<{ tokenHash: string }, SessionRow>((db, v) => db.selectFrom('reset_sessions').selectAll().where('token_hash', '=', v.tokenHash)),
  insertSession: new ReusableQuery<SessionRow, never>((db, v) =>
    db.insertInto('reset_sessions').values({
      id: v.id,
      token_hash: v.token_hash,
      subject_id: v.subject_id,
      throttle_key: v.throttle_key,
      username: v.username,
      decoy: v.decoy,
      state: v.state,
      required_methods: v.required_methods,
      gates_passed: v.gates_passed,
      passed_method_ids: v.passed_method_ids,
      offered: v.offered,
      client: v.client,
      created_at: v.created_at,
      expires_at: v.expires_at,
      completed_at: v.completed_at,
    }),
  ),
  gates: new ReusableQuery<{ id: string }, Pick<SessionRow, 'gates_passed' | 'required_methods' | 'passed_method_ids' | 'offered'>>((db, v) =>
    db.selectFrom('reset_sessions').select(['gates_passed', 'required_methods', 'passed_method_ids', 'offered']).where('id', '=', v.id),
  ),
  gatesForUpdate: new ReusableQuery<{ id: string }, Pick<SessionRow, 'gates_passed' | 'required_methods' | 'passed_method_ids' | 'offered'>>((db, v) =>
    db.selectFrom('reset_sessions').select(['gates_passed', 'required_methods', 'passed_method_ids', 'offered']).where('id', '=', v.id).forUpdate(),
  ),
  passGate: new ReusableQuery<{ id: string; gatesPassed: number; passed: string }, never>((db, v) =>
    db.updateTable('reset_sessions').set({ gates_passed: v.gatesPassed, passed_method_ids: v.passed }).where('id', '=', v.id),
  ),
  passLastGate: new ReusableQuery<{ id: string; gatesPassed: number; passed: string }, never>((db, v) =>
    db.updateTable('reset_sessions').set({ gates_passed: v.gatesPassed, passed_method_ids: v.passed, state: 'ready' }).where('id', '=', v.id),
  ),
  challenge: new ReusableQuery<{ id: string; sessionId: string }, ChallengeRow>((db, v) => db.selectFrom('challenges').selectAll().where('id', '=', v.id).where('session_id', '=', v.sessionId)),
  pendingChallenges: new ReusableQuery<{ sessionId: string; methodId: string }, { id: string }>((db, v) =>
    db.selectFrom('challenges').select('id').where('session_id', '=', v.sessionId).where('method_id', '=', v.methodId).where('status', '=', 'pending'),
  ),
  challengeCount: new ReusableQuery<{ sessionId: string }, { n: number | string }>((db, v) =>
    db.selectFrom('challenges').select((eb) => eb.fn.countAll<number | string>().as('n')).where('session_id', '=', v.sessionId),
  ),
  insertChallenge: new ReusableQuery<ChallengeRow, never>((db, v) =>
    db.insertInto('challenges').values({
      id: v.id,
      session_id: v.session_id,
      method_id: v.method_id,
      type: v.type,
      code_hash: v.code_hash,
      data: v.data,
      status: v.status,
      created_at: v.created_at,
      expires_at: v.expires_at,
      used_at: v.used_at,
    }),
  ),
  useChallenge: new ReusableQuery<{ id: string; now: number }, never>((db, v) =>
    db.updateTable('challenges').set({ status: 'used', used_at: v.now }).where('id', '=', v.id).where('status', '=', 'pending'),
  ),
};

/**
 * One more gate passed in session `sessionId` with offered method `methodId` (a code, answers
 * or an approved push), on the session row locked for this.
 */
export async function passGate(s: Services, trx: Trx, sessionId: string, methodId: string): Promise<{ gatesPassed: number }> {
  const row = await (s.store.dialect === 'postgres' ? Q.gatesForUpdate : Q.gates).first(trx, { id: sessionId });
  if (!row) throw new Error(`reset session ${sessionId} is gone`);
  const passed = JSON.parse(row.passed_method_ids) as string[];
  const offered = JSON.parse(row.offered) as OfferedMethod[];
  const type = offered.find((o) => o.id === methodId)?.type;
  // Two challenges of one type raced each other: the second does not count twice (R2).
  if (passed.some((id) => offered.find((o) => o.id === id)?.type === type)) return { gatesPassed: row.gates_passed };
  const gatesPassed = row.gates_passed + 1;
  await (gatesPassed >= row.required_methods ? Q.passLastGate : Q.passGate).run(trx, { id: sessionId, gatesPassed, passed: JSON.stringify([...passed, methodId]) });
  return { gatesPassed };
}

/** The methods a session offers, with their internal references. */
export function offeredMethods(row: Pick<SessionRow, 'offered'>): OfferedMethod[] {
  return JSON.parse(row.offered) as OfferedMethod[];
}

/** `setting`: the new password is on its way to the directory (one write per session). */
const ACTIVE_STATES = ['verifying', 'ready', 'setting'];

/** A session that can still verify: not finished, cancelled or past its 15 minutes. */
export function sessionIsActive(row: Pick<SessionRow, 'state' | 'expires_at'>, now: number): boolean {
  return ACTIVE_STATES.includes(row.state) && now < Number(row.expires_at);
}

const sessionExpired = () => new ApiError('session_expired', 'This reset session has ended. Start again.');

/**
 * The reset flow (R2, R9d, R10–R13b, R18, R19): identify → one or two verified methods →
 * new password. Everything a caller learns before the password is set looks the same for
 * real users and decoys (R13b): same shapes, same status codes, the same work.
 */
export class ResetFlow {
  private readonly throttle: ThrottleStore;

  constructor(private readonly s: Services, private readonly hub: ApprovalHub) {
    this.throttle = new ThrottleStore(s.clock);
  }

  private now(): number {
    return this.s.clock.now().getTime();
  }

  private audit(conn: Trx, row: Pick<SessionRow, 'username' | 'decoy'>, entry: Omit<AuditEntry, 'user'>): Promise<void> {
    const detail = row.decoy ? { ...entry.detail, decoy: true } : entry.detail;
    return this.s.audit.write(conn, { ...entry, user: row.username, detail: detail ?? null });
  }

  /** The id a method has in one session: opaque, so real and decoy ids look alike. */
  private publicId(sessionId: string, ref: string): string {
    return createHmac('sha256', this.s.codeKey).update(`offer:${sessionId}:${ref}`).digest('base64url').slice(0, 16);
  }

  // ---- identify ----

  async createSession(username: string, ctx: RequestContext): Promise<CreateResetSessionResponse> {
    const s = this.s;
    const user = await s.directory.findUser(username);
    const policy = await s.policy.get();
    // The same query for everyone, found or not (R13b timing).
    const stored = await s.methods.list(user?.id ?? `unknown:${username}`);
    let usable: UsableMethod[] = [];
    let reason: 'unknown_user' | 'out_of_scope' | 'no_methods' | null = 'unknown_user';
    if (user) {
      const inScope = await isInScope(user, policy, s.directory);
      // Fewer questions than a reset draws (the policy was raised since) cannot pass (R9c).
      const tooFewQuestions = (id: string) => {
        const q = stored.find((m) => m.id === id && m.type === 'securityQuestions');
        return q !== undefined && (q.data as MethodData['securityQuestions']).questions.length < policy.sspr.securityQuestions.requiredToReset;
      };
      usable = inScope ? usableMethods(user, stored, policy).filter((m) => !tooFewQuestions(m.id)) : [];
      const enoughTypes = new Set(usable.map((m) => m.type)).size >= effectiveRequirement(user, policy).required;
      reason = !inScope ? 'out_of_scope' : enoughTypes ? null : 'no_methods';
    }
    const real = user && reason === null ? user : null;
    const seed = decoySeed(s.codeKey, username);
    // R29: decoys and the first answer take the ordinary requirement; only a real administrator's session holds R10's two.
    const publicRequirement = effectiveRequirement({ isAdmin: false }, policy);
    const requirement = real ? effectiveRequirement(real, policy) : publicRequirement;
    const id = newId();
    const offered: OfferedMethod[] = real
      ? usable.map((m) => {
          const contact = DIRECTORY_DATA[m.id]?.(real);
          return { id: this.publicId(id, m.id), type: m.type, hint: m.hint, ref: m.id, ...(contact ? { sealed: s.box.sealJson(contact) } : {}) };
        })
      : decoyMethods(seed, { required: publicRequirement.required, types: publicRequirement.types }, policy).map((m) => ({ id: this.publicId(id, m.ref), type: m.type, hint: m.hint, ref: m.ref }));

    const throttleKey = real ? resetThrottleKey(real.id) : decoyThrottleKey(seed);
    const token = newToken('rs');
    const now = this.now();
    const row = { username: real?.username ?? username, decoy: real ? 0 : 1 };
    const lock = await s.db.transaction().execute(async (trx) => {
      const lock = await this.throttle.activeLock(trx, throttleKey);
      await Q.insertSession.run(trx, {
        id,
        token_hash: hashToken(token),
        subject_id: real?.id ?? null,
        throttle_key: throttleKey,
        username: row.username,
        decoy: row.decoy,
        state: lock ? 'locked' : 'verifying',
        required_methods: requirement.required,
        gates_passed: 0,
        passed_method_ids: '[]',
        offered: JSON.stringify(offered),
        client: ctx.client,
        created_at: now,
        expires_at: now + SESSION_TTL_MS,
        completed_at: null,
      });
      await this.audit(trx, row, { type: 'reset.started', result: lock ? 'locked' : real ? 'success' : 'failure', client: ctx.client, detail: reason ? { reason } : null });
      return lock;
    });
    if (lock) throw lockedOut(lock.until, now);
    return {
      sessionToken: token,
      expiresAt: new Date(now + SESSION_TTL_MS).toISOString(),
      requiredMethods: publicRequirement.required,
      methods: offered.map(({ id: methodId, type, hint }) => ({ id: methodId, type, hint })),
    };
  }

  // ---- sessions ----

  private async load(token: string): Promise<SessionRow> {
    const row = await Q.session.first(this.s.db, { tokenHash: hashToken(token) });
    if (!row) throw sessionExpired();
    return row;
  }

  /** A session that can still verify or set the password. */
  private async active(token: string): Promise<SessionRow> {
    const row = await this.load(token);
    if (!sessionIsActive(row, this.now())) throw sessionExpired();
    return row;
  }

  private offered(row: SessionRow): OfferedMethod[] {
    return offeredMethods(row);
  }

  private passedIds(row: Pick<SessionRow, 'passed_method_ids'>): string[] {
    return JSON.parse(row.passed_method_ids) as string[];
  }

  /** The real method behind an offered one (null for decoys), after the same lookup either way. */
  private async target(row: SessionRow, m: OfferedMethod): Promise<ResetTarget | null> {
    if (m.sealed) return { ref: m.ref, type: m.type, hint: m.hint, data: this.s.box.openJson(m.sealed) };
    const stored = await this.s.methods.get(row.subject_id ?? row.throttle_key, m.ref);
    if (row.decoy) return null;
    if (!stored || !stored.verified || stored.type !== m.type) throw new ApiError('not_found', 'This method is no longer registered. Choose another one.');
    return { ref: stored.id, type: stored.type, hint: stored.hint, data: stored.data };
  }

  async state(token: string): Promise<ResetSessionState> {
    const row = await this.load(token);
    const now = this.now();
    const lock = await this.throttle.activeLock(this.s.db, row.throttle_key);
    const state: ResetSessionState['state'] =
      row.state === 'completed' ? 'completed'
      : !sessionIsActive(row, now) ? 'expired'
      : lock ? 'locked'
      : row.gates_passed >= row.required_methods ? 'ready'
      : 'verifying';
    // Several challenges may share a millisecond: `seq` orders them within the session.
    const recent = await this.s.db.selectFrom('challenges').selectAll().where('session_id', '=', row.id).orderBy('created_at', 'desc').limit(20).execute();
    const seqOf = (c: ChallengeRow) => Number((JSON.parse(c.data) as { seq?: number }).seq ?? 0);
    const latest = recent.sort((a, b) => Number(b.created_at) - Number(a.created_at) || seqOf(b) - seqOf(a))[0];
    return {
      state,
      gatesPassed: row.gates_passed,
      requiredMethods: shownRequiredMethods({ gatesPassed: row.gates_passed, required: row.required_methods }, effectiveRequirement({ isAdmin: false }, await this.s.policy.get()).required),
      methods: this.offered(row).map(({ id, type, hint }) => ({ id, type, hint })),
      passedMethodIds: this.passedIds(row),
      expiresAt: new Date(Number(row.expires_at)).toISOString(),
      ...(state === 'verifying' || state === 'ready' ? this.pending(latest, now) : {}),
    };
  }

  /** The challenge in progress; a push shows waiting / approved / denied until it expires. */
  private pending(c: ChallengeRow | undefined, now: number): Pick<ResetSessionState, 'pendingChallenge'> {
    if (!c || now >= Number(c.expires_at)) return {};
    const push = c.type === 'authenticatorPush';
    const status = c.status === 'pending' ? 'waiting' : c.status === 'used' ? 'approved' : c.status === 'denied' ? 'denied' : null;
    if (!status || (!push && status !== 'waiting')) return {};
    return {
      pendingChallenge: {
        challengeId: c.id,
        methodId: c.method_id,
        type: c.type as MethodType,
        expiresAt: new Date(Number(c.expires_at)).toISOString(),
        ...(push ? { status } : {}),
      },
    };
  }

  /** R2 / R10: a gate still to pass, with a type not used for an earlier gate. */
  private assertGateOpen(row: SessionRow, m: OfferedMethod): void {
    if (row.gates_passed >= row.required_methods) throw new ApiError('conflict', 'Every verification is done: set the new password.');
    const offered = this.offered(row);
    const passedTypes = this.passedIds(row).map((id) => offered.find((o) => o.id === id)?.type);
    if (passedTypes.includes(m.type)) throw new ApiError('conflict', 'Use a different kind of method for the next verification.');
  }

  // ---- challenges ----

  async createChallenge(token: string, body: { methodId: string; channel?: 'sms' | 'voice' }, ctx: RequestContext): Promise<Challenge> {
    const s = this.s;
    const row = await this.active(token);
    const m = this.offered(row).find((o) => o.id === body.methodId);
    if (!m) throw new ApiError('not_found', 'This session offers no such method.');
    const kind = METHOD_KINDS[m.type];
    kind.validateStart(m.type, body.channel);
    this.assertGateOpen(row, m);
    const target = await this.target(row, m);
    const policy = await s.policy.get();
    const now = this.now();
    const challengeId = newId();
    const expiresAt = Math.min(now + CODE_TTL_MS, Number(row.expires_at));
    const started = await kind.start({
      s,
      policy,
      challengeId,
      type: m.type,
      target,
      subjectKey: row.subject_id ?? row.throttle_key,
      decoySeed: decoySeed(s.codeKey, row.username),
      channel: body.channel,
      locale: ctx.locale,
      client: ctx.client,
      now: new Date(now),
      expiresAt: new Date(expiresAt),
      hub: this.hub,
    });
    const admitted = await s.db.transaction().execute(async (trx) => {
      const admission = await this.throttle.attempt(trx, row.throttle_key, started.counts);
      if (!admission.allowed) {
        if (admission.tripped) await this.audit(trx, row, { type: 'reset.lockout', method: m.type, result: 'locked', client: ctx.client, detail: { rule: admission.rule } });
        await this.audit(trx, row, { type: 'reset.challenge', method: m.type, result: 'locked', client: ctx.client });
        return admission;
      }
      // A new challenge for the same method supersedes the old one (R13).
      const old = await Q.pendingChallenges.rows(trx, { sessionId: row.id, methodId: m.id });
      if (old.length) {
        const ids = old.map((c) => c.id);
        await trx.updateTable('challenges').set({ status: 'superseded' }).where('id', 'in', ids).execute();
        await trx.updateTable('approvals').set({ status: 'expired' }).where('challenge_id', 'in', ids).where('status', '=', 'waiting').execute();
      }
      const { n } = (await Q.challengeCount.first(trx, { sessionId: row.id }))!;
      await Q.insertChallenge.run(trx, {
        id: challengeId,
        session_id: row.id,
        method_id: m.id,
        type: m.type,
        code_hash: started.codeHash,
        data: JSON.stringify({ ...started.data, seq: Number(n) + 1 }),
        status: 'pending',
        created_at: now,
        expires_at: expiresAt,
        used_at: null,
      });
      await started.persist?.(trx);
      await this.audit(trx, row, { type: 'reset.challenge', method: m.type, result: 'success', client: ctx.client, detail: 'channel' in started.data ? { channel: started.data.channel } : null });
      return admission;
    });
    if (!admitted.allowed) throw lockedOut(admitted.lockedUntil, now);
    // Handed over at once, never awaited here: delivery time must not show (R12, R13b).
    if (started.deliver) started.deliver().catch((err: Error) => s.log.warn({ err: err.message, method: m.type }, 'verification code not handed over'));
    return { challengeId, type: m.type, expiresAt: new Date(expiresAt).toISOString(), ...started.reply };
  }

  async verify(token: string, challengeId: string, input: VerifyChallengeRequest, ctx: RequestContext): Promise<VerifyChallengeResponse> {
    const s = this.s;
    const row = await this.active(token);
    const c = await Q.challenge.first(s.db, { id: challengeId, sessionId: row.id });
    if (!c) throw new ApiError('not_found', 'This session has no such challenge.');
    const kind = METHOD_KINDS[c.type as MethodType];
    const data = JSON.parse(c.data) as Record<string, unknown>;
    if (kind.answeredWith === 'companion') throw new ApiError('invalid_request', 'A push is approved on the companion app; poll GET /reset/session for its status.');
    if (kind.answeredWith === 'code' && !('code' in input)) throw new ApiError('invalid_request', 'This challenge is answered with a `code`.');
    kind.validateAnswer?.(data, input);
    const now = this.now();
    if (c.status !== 'pending' || now >= Number(c.expires_at)) throw new ApiError('challenge_expired', 'This code or question set is no longer valid. Ask for a new one.');
    const m = this.offered(row).find((o) => o.id === c.method_id);
    if (!m) throw new ApiError('not_found', 'This session offers no such method.');
    this.assertGateOpen(row, m);
    const target = await this.target(row, m);

    // Admitted inside the database, counted as a failure until it succeeds (R11e).
    const admission = await s.db.transaction().execute(async (trx) => {
      const a = await this.throttle.attempt(trx, row.throttle_key, ['failure', ...kind.verifyCounts]);
      if (!a.allowed) {
        if (a.tripped) await this.audit(trx, row, { type: 'reset.lockout', method: m.type, result: 'locked', client: ctx.client, detail: { rule: a.rule } });
        await this.audit(trx, row, { type: 'reset.verify', method: m.type, result: 'locked', client: ctx.client });
      }
      return a;
    });
    if (!admission.allowed) throw lockedOut(admission.lockedUntil, now);

    const right = await kind.check({ s, challenge: { id: c.id, codeHash: c.code_hash, data }, target, subjectKey: row.subject_id ?? row.throttle_key, decoySeed: decoySeed(s.codeKey, row.username), input, now: new Date(now) });

    const outcome = await s.db.transaction().execute(async (trx) => {
      if (right) {
        if ((await Q.useChallenge.affected(trx, { id: c.id, now })) === 1) {
          if (admission.failureId !== null) await this.throttle.releaseFailure(trx, row.throttle_key, admission.failureId);
          const gates = await passGate(this.s, trx, row.id, m.id);
          await this.audit(trx, row, { type: 'reset.verify', method: m.type, result: 'success', client: ctx.client });
          return { ok: true as const, ...gates };
        }
      }
      // R9d: a wrong answer spends the draw; the next challenge draws afresh.
      if (kind.answeredWith === 'answers') await trx.updateTable('challenges').set({ status: 'spent' }).where('id', '=', c.id).execute();
      const failure = await this.throttle.settleFailure(trx, row.throttle_key);
      await this.audit(trx, row, { type: 'reset.verify', method: m.type, result: 'failure', client: ctx.client, detail: { attemptsRemaining: failure.attemptsRemaining } });
      if (failure.tripped) await this.audit(trx, row, { type: 'reset.lockout', method: m.type, result: 'locked', client: ctx.client, detail: { rule: 'R11a' } });
      return { ok: false as const, ...failure };
    });
    if (outcome.ok) return { gatesPassed: outcome.gatesPassed, requiredMethods: row.required_methods, complete: outcome.gatesPassed >= row.required_methods };
    if (outcome.lockedUntil !== null) throw lockedOut(outcome.lockedUntil, now, { attemptsRemaining: 0 });
    const extras = { attemptsRemaining: outcome.attemptsRemaining };
    if (kind.answeredWith === 'answers') throw new ApiError('invalid_answers', 'At least one answer is not correct. New questions are drawn for the next try.', extras);
    throw new ApiError('invalid_code', 'The code is not correct.', extras);
  }

  // ---- the new password ----

  async setPassword(token: string, body: { newPassword: string; unlockAccount: boolean }, ctx: RequestContext): Promise<SetResetPasswordResponse> {
    const s = this.s;
    const row = await this.active(token);
    if (row.gates_passed < row.required_methods || !row.subject_id) {
      throw new ApiError('gates_incomplete', `Verify ${row.required_methods - row.gates_passed} more method(s) first.`);
    }
    const user = await s.directory.findUserById(row.subject_id);
    const audit = (result: AuditEntry['result'], detail: Record<string, unknown> | null) =>
      s.db.transaction().execute((trx) => this.audit(trx, row, { type: 'reset.password', result, client: ctx.client, detail }));
    if (!user) {
      await audit('denied', { reason: 'gone' });
      throw new ApiError('forbidden', 'This account no longer exists.');
    }
    // R19: a disabled account verifies like any other, and is refused here.
    if (user.disabled) {
      await audit('denied', { reason: 'disabled' });
      throw new ApiError('forbidden', 'This account is disabled, so its password cannot be reset. Contact your administrator.');
    }
    const policy = await s.policy.get();
    const violations = productPasswordViolations(body.newPassword, policy, user, ctx.locale);
    if (violations.length) {
      await audit('failure', { reason: 'productPolicy', rules: violations.map((v) => v.rule) });
      throw new ApiError('password_policy', 'The new password does not meet the policy.', { violations });
    }
    // One write at a time per session: a double submit must not race the first one into
    // the directory's history check.
    const claimed = await s.db.updateTable('reset_sessions').set({ state: 'setting' }).where('id', '=', row.id).where('state', 'in', ['verifying', 'ready']).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) throw new ApiError('conflict', 'The new password is already being set.');
    const release = () => s.db.updateTable('reset_sessions').set({ state: 'ready' }).where('id', '=', row.id).where('state', '=', 'setting').execute();
    // The directory's verdict is the user's to see (R18a); if it cannot be reached the
    // error propagates (directory_unavailable) and the session stays usable for a retry.
    const written = await s.directory.resetPassword(user, body.newPassword, { unlock: body.unlockAccount }).catch(async (err: unknown) => {
      await release();
      throw err;
    });
    if (!written.ok) {
      await release();
      await audit('failure', { reason: 'directoryPolicy', rules: written.violations.map((v) => v.rule) });
      throw new ApiError('password_policy', 'The directory refused the new password.', { violations: written.violations });
    }
    await s.db.transaction().execute(async (trx) => {
      await trx.updateTable('reset_sessions').set({ state: 'completed', completed_at: this.now() }).where('id', '=', row.id).execute();
      await revokeUserSessions(trx, s.clock, user.id, row.id);
      // R11d: a successful reset clears every counter.
      await this.throttle.clear(trx, row.throttle_key);
      await this.audit(trx, row, { type: 'reset.password', result: 'success', client: ctx.client });
      if (body.unlockAccount) await this.audit(trx, row, { type: 'reset.unlock', result: 'success', client: ctx.client, detail: { wasLocked: user.locked } });
    });
    notifyPasswordChanged(s, user, { how: 'reset', client: ctx.client, locale: ctx.locale }).catch((err: Error) => s.log.warn({ err: err.message }, 'reset notification failed'));
    return { unlocked: body.unlockAccount, changedAt: written.changedAt.toISOString() };
  }

  async cancel(token: string, ctx: RequestContext): Promise<void> {
    const row = await this.active(token);
    await this.s.db.transaction().execute(async (trx) => {
      await trx.updateTable('reset_sessions').set({ state: 'cancelled', expires_at: this.now() }).where('id', '=', row.id).execute();
      const open = await trx.selectFrom('challenges').select('id').where('session_id', '=', row.id).where('status', '=', 'pending').execute();
      if (open.length) {
        const ids = open.map((c) => c.id);
        await trx.updateTable('challenges').set({ status: 'superseded' }).where('id', 'in', ids).execute();
        await trx.updateTable('approvals').set({ status: 'expired' }).where('challenge_id', 'in', ids).where('status', '=', 'waiting').execute();
      }
      await this.audit(trx, row, { type: 'reset.cancelled', result: 'success', client: ctx.client });
    });
  }
}
