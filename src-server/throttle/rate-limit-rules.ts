/**
 * Rate limits on the anonymous doors (identify, challenges, verify, sign-in, administrator
 * sign-in): per client address and in total, counted in the shared store so every instance
 * sees the same numbers. Pure: the counts and the time come in, a decision goes out.
 *
 * Each limit is a sliding window estimated from two fixed windows (the current one and the
 * one before, weighted by how much of it still overlaps), which needs one counter row per
 * key and window instead of one row per request.
 */

/** The doors that are limited; each has its own budgets. */
export const RATE_LIMITED_DOORS = ['identify', 'challenge', 'verify', 'signIn', 'adminSignIn'] as const;
export type Door = (typeof RATE_LIMITED_DOORS)[number];

/** Requests per window. `proofAbove`: past this, the door asks for a proof-of-work first. */
export interface DoorBudget {
  perClient: number;
  total: number;
  perClientProofAbove?: number;
  totalProofAbove?: number;
}

export const RATE_WINDOW_MS = 60_000;

/**
 * Per minute. Identify and sign-in cost the most (sign-in hashes a password, ~60–80 ms of
 * CPU), so they ask for a proof-of-work well before refusing; a person needs a handful.
 */
export const DEFAULT_DOOR_BUDGETS: Record<Door, DoorBudget> = {
  identify: { perClient: 30, total: 6000, perClientProofAbove: 10, totalProofAbove: 600 },
  challenge: { perClient: 30, total: 6000 },
  verify: { perClient: 60, total: 12000 },
  signIn: { perClient: 30, total: 1200, perClientProofAbove: 10, totalProofAbove: 300 },
  // The console's sign-in hashes a password too: a tight budget, and a proof-of-work (solved in a
  // Web Worker, with a visible status) past the first few tries or under a spray.
  adminSignIn: { perClient: 10, total: 300, perClientProofAbove: 3, totalProofAbove: 60 },
};

/** Counts of one key: this window (including the request being decided) and the one before. */
export interface WindowCounts {
  current: number;
  previous: number;
}

export const windowOf = (now: number, windowMs = RATE_WINDOW_MS): number => Math.floor(now / windowMs) * windowMs;

/** The requests seen in the last `windowMs`, estimated from the two fixed windows. */
export function slidingCount(counts: WindowCounts, now: number, windowMs = RATE_WINDOW_MS): number {
  const overlap = 1 - (now - windowOf(now, windowMs)) / windowMs;
  return counts.previous * overlap + counts.current;
}

/** Milliseconds until the sliding count falls back to `limit` or below, if nothing more arrives. */
export function msUntilBelow(counts: WindowCounts, limit: number, now: number, windowMs = RATE_WINDOW_MS): number {
  if (slidingCount(counts, now, windowMs) <= limit) return 0;
  const start = windowOf(now, windowMs);
  // Still inside this window: previous·(1−f) + current ≤ limit  ⇔  f ≥ 1 − (limit − current)/previous.
  if (counts.current <= limit && counts.previous > 0) {
    const f = 1 - (limit - counts.current) / counts.previous;
    return Math.max(1, Math.ceil(start + f * windowMs - now));
  }
  // Only in the next window, where this window's count becomes the weighted one.
  const f = counts.current > 0 ? Math.max(0, 1 - limit / counts.current) : 0;
  return Math.max(1, Math.ceil(start + windowMs + f * windowMs - now));
}

type DoorDecision =
  | { verdict: 'pass' }
  | { verdict: 'proof'; reason: 'client' | 'total' }
  | { verdict: 'refuse'; reason: 'client' | 'total'; retryAfterSeconds: number };

export type ProofOfWorkMode = 'off' | 'adaptive' | 'always';

/**
 * Refuses past a hard budget; asks for a proof-of-work past a soft one (or always, if so
 * configured). A client that refuses to work keeps being counted, so it stays refused.
 */
export function decideDoor(budget: DoorBudget, client: WindowCounts, total: WindowCounts, now: number, proofOfWork: ProofOfWorkMode): DoorDecision {
  for (const [reason, counts, limit] of [['client', client, budget.perClient], ['total', total, budget.total]] as const) {
    if (slidingCount(counts, now) > limit) return { verdict: 'refuse', reason, retryAfterSeconds: Math.ceil(msUntilBelow(counts, limit, now) / 1000) };
  }
  if (proofOfWork === 'always' && (budget.perClientProofAbove !== undefined || budget.totalProofAbove !== undefined)) return { verdict: 'proof', reason: 'client' };
  if (proofOfWork === 'adaptive') {
    if (budget.perClientProofAbove !== undefined && slidingCount(client, now) > budget.perClientProofAbove) return { verdict: 'proof', reason: 'client' };
    if (budget.totalProofAbove !== undefined && slidingCount(total, now) > budget.totalProofAbove) return { verdict: 'proof', reason: 'total' };
  }
  return { verdict: 'pass' };
}

/**
 * The key a client is counted under: its address, with an IPv6 address cut to its /64 (one
 * subscriber usually holds a whole /64, so counting single addresses would let it rotate).
 */
export function clientKey(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (v4) return v4[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const headParts = head ? head.split(':') : [];
  const tailParts = tail ? tail.split(':') : [];
  const full = ip.includes('::') ? [...headParts, ...Array(8 - headParts.length - tailParts.length).fill('0'), ...tailParts] : ip.split(':');
  return `${full.slice(0, 4).map((p) => p.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
