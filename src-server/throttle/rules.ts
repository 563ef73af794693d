/**
 * R11a–R11c as pure rules: what is counted, over which window, and when counting turns
 * into a lockout. The store (store/throttle-store.ts) counts inside the database with the same
 * windows; these functions decide from the counts, so time can be moved in unit tests.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Every counter. `failure` is R11a; the others are R11b (per kind) and R11c. */
export const THROTTLE_KINDS = ['failure', 'phone.verify', 'app.verify', 'phone.sent', 'question.check', 'email.sent'] as const;
export type ThrottleKind = (typeof THROTTLE_KINDS)[number];

export interface ThrottleRule {
  /** How many events the window holds. */
  limit: number;
  windowMs: number;
  /** How long the user is locked out of reset once the rule trips. */
  lockMs: number;
  /** The rule id, kept as the lock's reason and in audit events. */
  rule: 'R11a' | 'R11b' | 'R11c';
}

export const THROTTLE_RULES: Readonly<Record<ThrottleKind, ThrottleRule>> = {
  // R11a: 5 failed verifications within 24 h lock reset for 24 h.
  failure: { limit: 5, windowMs: DAY, lockMs: DAY, rule: 'R11a' },
  // R11b: at most 5 of each within 1 h; going over locks for 24 h.
  'phone.verify': { limit: 5, windowMs: HOUR, lockMs: DAY, rule: 'R11b' },
  'app.verify': { limit: 5, windowMs: HOUR, lockMs: DAY, rule: 'R11b' },
  /** Texts sent and calls placed. */
  'phone.sent': { limit: 5, windowMs: HOUR, lockMs: DAY, rule: 'R11b' },
  'question.check': { limit: 5, windowMs: HOUR, lockMs: DAY, rule: 'R11b' },
  // R11c: at most 10 emails within 10 min; going over locks for 24 h.
  'email.sent': { limit: 10, windowMs: 10 * MINUTE, lockMs: DAY, rule: 'R11c' },
};

/** The longest window: events older than this can never count again. */
export const MAX_WINDOW_MS = Math.max(...Object.values(THROTTLE_RULES).map((r) => r.windowMs));

/** Events after this instant are inside the kind's window (so a lock ends with its cause). */
export function windowStart(kind: ThrottleKind, now: number): number {
  return now - THROTTLE_RULES[kind].windowMs;
}

export interface ThrottleEvent {
  kind: ThrottleKind;
  at: number;
}

/** How many events of each kind fall inside their windows at `now`. */
export function countInWindows(events: readonly ThrottleEvent[], now: number): Record<ThrottleKind, number> {
  const counts = Object.fromEntries(THROTTLE_KINDS.map((k) => [k, 0])) as Record<ThrottleKind, number>;
  for (const e of events) if (e.at > windowStart(e.kind, now) && e.at <= now) counts[e.kind] += 1;
  return counts;
}

export interface ThrottleLock {
  until: number;
  rule: ThrottleRule['rule'];
}

type Admission =
  | { allowed: true }
  /** `tripped`: this attempt is the one that tripped a rule (a new lock, audited as such). */
  | { allowed: false; lockedUntil: number; rule: ThrottleRule['rule']; tripped: boolean };

/**
 * Whether one more attempt that counts as `kinds` may go ahead. Refused while a lock holds;
 * an attempt that would take a counter past its limit is refused and locks. A verification
 * attempt also needs room for one more failure (R11a), since it may fail.
 */
export function admit(input: {
  counts: Readonly<Record<ThrottleKind, number>>;
  kinds: readonly ThrottleKind[];
  lock: ThrottleLock | null;
  now: number;
}): Admission {
  const { counts, kinds, now, lock } = input;
  if (lock && lock.until > now) return { allowed: false, lockedUntil: lock.until, rule: lock.rule, tripped: false };
  for (const kind of kinds) {
    const rule = THROTTLE_RULES[kind];
    if (counts[kind] >= rule.limit) return { allowed: false, lockedUntil: now + rule.lockMs, rule: rule.rule, tripped: true };
  }
  return { allowed: true };
}

/** After a failed verification: how many failures remain before the lockout, and whether it starts now. */
export function afterFailure(failuresInWindow: number, now: number): { attemptsRemaining: number; lockedUntil: number | null } {
  const rule = THROTTLE_RULES.failure;
  const attemptsRemaining = Math.max(0, rule.limit - failuresInWindow);
  return { attemptsRemaining, lockedUntil: attemptsRemaining === 0 ? now + rule.lockMs : null };
}

/** Seconds until a lock ends, rounded up (the `Retry-After` value). */
export function retryAfterSeconds(lockedUntil: number, now: number): number {
  return Math.max(1, Math.ceil((lockedUntil - now) / 1000));
}
