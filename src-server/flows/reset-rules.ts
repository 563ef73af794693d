import type { Transaction } from 'kysely';
import type { Locale, MethodType, ResetMethodType } from '../../shared/api/common.js';
import type { ResetSessionView } from '../../shared/api/reset.js';
import type { Directory, DirectoryUser } from '../directory/directory.js';
import { ProblemError } from '../errors.js';
import type { MethodData, MethodRecord } from '../store/method-store.js';
import { effectiveRequirement, usableMethods, type UsableMethod } from '../methods/registration-status.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { isInScope } from '../policy/scope.js';
import { hasWayThrough, openableTypes } from '../../shared/rules/gates.js';
import type { OfferedMethod, ResetSessionStore, StoredChallenge, StoredResetSession } from '../store/reset-session-store.js';
import type { Database } from '../store/schema.js';
import { hashToken } from '../security/tokens.js';
import { retryAfterSeconds } from '../throttle/rules.js';

/** R13: a reset session lives 15 minutes from its start. */
export const SESSION_TTL_MS = 15 * 60_000;

export interface RequestContext {
  client: string;
  locale: Locale;
}

const DIRECTORY_DATA: Record<string, (u: DirectoryUser) => MethodData[MethodType] | null> = {
  'dir-mobilePhone': (u) => (u.contact.mobilePhone ? { number: u.contact.mobilePhone } : null),
  'dir-officePhone': (u) => (u.contact.officePhone ? { number: u.contact.officePhone } : null),
  'dir-email': (u) => (u.contact.alternateEmail ? { address: u.contact.alternateEmail } : null),
};

/** Directory contact data a session carries sealed (null for stored methods). */
export function directoryContact(user: DirectoryUser, ref: string): MethodData[MethodType] | null {
  return DIRECTORY_DATA[ref]?.(user) ?? null;
}

export function lockedOut(lockedUntil: number, now: number, extras: { attemptsRemaining?: number } = {}): ProblemError {
  return new ProblemError('locked_out', 'Too many attempts: password reset is locked for this account for now. Try again later or contact your administrator.', {
    retryAfterSeconds: retryAfterSeconds(lockedUntil, now),
    ...extras,
  });
}

/** A session that can still verify: not finished, cancelled or past its 15 minutes. */
export function sessionIsActive(session: Pick<StoredResetSession, 'status' | 'expiresAt'>, now: number): boolean {
  return (session.status === 'verifying' || session.status === 'ready' || session.status === 'setting') && now < session.expiresAt;
}

/** The session behind a reset token, in any state. */
export async function resetSessionOf(sessions: ResetSessionStore, token: string): Promise<StoredResetSession> {
  const session = await sessions.byTokenHash(hashToken(token));
  if (!session) throw sessionExpired();
  return session;
}

/** The session behind a reset token, while it can still verify or set the password. */
export async function activeResetSession(sessions: ResetSessionStore, token: string, now: number): Promise<StoredResetSession> {
  const session = await resetSessionOf(sessions, token);
  if (!sessionIsActive(session, now)) throw sessionExpired();
  return session;
}

/** Every gate passed by a real user (R2): the user's directory id; else `gates_incomplete`. */
export function verifiedSubject(session: Pick<StoredResetSession, 'gatesPassed' | 'requiredMethods' | 'subjectId'>): string {
  if (session.gatesPassed < session.requiredMethods || !session.subjectId) {
    throw new ProblemError('gates_incomplete', `Verify ${session.requiredMethods - session.gatesPassed} more method(s) first.`);
  }
  return session.subjectId;
}

const sessionExpired = () => new ProblemError('session_expired', 'This reset session has ended. Start again.');

/** The method a session offers under `methodId`; `not_found` for any other id. */
export function offeredMethod(session: Pick<StoredResetSession, 'offered'>, methodId: string): OfferedMethod {
  const m = session.offered.find((o) => o.id === methodId);
  if (!m) throw new ProblemError('not_found', 'This session offers no such method.');
  return m;
}

/** R2 / R10 / R35: a gate still to pass, with a type not used for an earlier gate, that this gate allows. */
export function assertGateOpen(session: Pick<StoredResetSession, 'offered' | 'passedMethodIds' | 'requiredMethods' | 'gatesPassed'>, m: OfferedMethod, policy: PolicyDocument): void {
  if (session.gatesPassed >= session.requiredMethods) throw new ProblemError('conflict', 'Every verification is done: set the new password.');
  const passedTypes = session.passedMethodIds.map((id) => session.offered.find((o) => o.id === id)?.type);
  if (passedTypes.includes(m.type)) throw new ProblemError('conflict', 'Use a different kind of method for the next verification.');
  if (!methodsForGate(session, policy).some((o) => o.id === m.id)) throw new ProblemError('conflict', 'This method cannot be used for this verification step. Choose one of the methods offered.');
}

/**
 * One more gate passed with offered method `methodId` (a code, answers or an approved push),
 * on the session row locked for this. Two challenges of one type that raced each other do
 * not count twice (R2).
 */
export async function passGate(sessions: ResetSessionStore, trx: Transaction<Database>, sessionId: string, methodId: string): Promise<{ gatesPassed: number }> {
  const gates = await sessions.gatesForUpdate(trx, sessionId);
  if (!gates) throw new Error(`reset session ${sessionId} is gone`);
  const typeOf = (id: string) => gates.offered.find((o) => o.id === id)?.type;
  if (gates.passedMethodIds.some((id) => typeOf(id) === typeOf(methodId))) return { gatesPassed: gates.gatesPassed };
  const gatesPassed = gates.gatesPassed + 1;
  await sessions.recordGate(trx, sessionId, gatesPassed, [...gates.passedMethodIds, methodId], gatesPassed >= gates.requiredMethods);
  return { gatesPassed };
}

/**
 * Who may reset (R1, R9c, R10): in scope, with enough method types usable today. `reason`
 * says why not, for the audit only: the caller answers everyone alike (R13b).
 */
export async function resetEligibility(
  user: DirectoryUser | null,
  stored: MethodRecord[],
  policy: PolicyDocument,
  directory: Directory,
): Promise<{ usable: UsableMethod[]; reason: 'unknown_user' | 'out_of_scope' | 'no_methods' | null }> {
  if (!user) return { usable: [], reason: 'unknown_user' };
  const inScope = await isInScope(user, policy, directory);
  // Fewer questions than a reset draws (the policy was raised since) cannot pass (R9c).
  const tooFewQuestions = (id: string) => {
    const q = stored.find((m) => m.id === id && m.type === 'securityQuestions');
    return q !== undefined && (q.data as MethodData['securityQuestions']).questions.length < policy.sspr.securityQuestions.requiredToReset;
  };
  const usable = inScope ? usableMethods(user, stored, policy).filter((m) => !tooFewQuestions(m.id)) : [];
  // R35: enough types, and in an order the policy's gates accept; R39: a pass may stand in for one.
  const held: ResetMethodType[] = [...new Set(usable.map((m) => m.type)), ...(policy.sspr.accessPassGate ? (['accessPass'] as const) : [])];
  const enoughTypes = hasWayThrough(policy.sspr, held, effectiveRequirement(user, policy).required);
  return { usable, reason: !inScope ? 'out_of_scope' : enoughTypes ? null : 'no_methods' };
}

/**
 * R35: the offered methods the next gate accepts (after which the rest can still be passed),
 * plus those already passed, in offer order. Decoy sessions go through the same rule (R13b).
 */
export function methodsForGate(session: Pick<StoredResetSession, 'offered' | 'passedMethodIds' | 'requiredMethods'>, policy: PolicyDocument): StoredResetSession['offered'] {
  const typeOf = (id: string) => session.offered.find((o) => o.id === id)?.type;
  const used = session.passedMethodIds.map(typeOf).filter((t): t is MethodType => t !== undefined);
  const open = openableTypes(policy.sspr, [...new Set(session.offered.map((o) => o.type))], session.requiredMethods, used);
  return session.offered.filter((o) => session.passedMethodIds.includes(o.id) || open.includes(o.type));
}

/** The challenge in progress; a push shows waiting / approved / denied until it expires. */
export function pendingChallenge(c: StoredChallenge | null, now: number): Pick<ResetSessionView, 'pendingChallenge'> {
  if (!c || now >= c.expiresAt) return {};
  const push = c.type === 'authenticatorPush';
  const status = c.status === 'pending' ? 'waiting' : c.status === 'used' ? 'approved' : c.status === 'denied' ? 'denied' : null;
  if (!status || (!push && status !== 'waiting')) return {};
  return { pendingChallenge: { challengeId: c.id, methodId: c.methodId, type: c.type, expiresAt: new Date(c.expiresAt).toISOString(), ...(push ? { status } : {}) } };
}
