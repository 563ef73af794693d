import type { PolicyDocument } from '../api/policy.js';

const DAY_MS = 86_400_000;

export interface ExpiryInput {
  lastChangedAt: Date | null;
  /** The directory says this account's password never expires. */
  neverExpires: boolean;
  /** The directory (or an administrator) demands a change at next sign-in. */
  mustChange: boolean;
  /** An expiry the directory computed itself (AD), which wins over the policy's max age. */
  directoryExpiresAt?: Date | null;
}

export interface ExpiryInfo {
  expiresAt: Date | null;
  daysUntilExpiry: number | null;
  warn: boolean;
  mustChange: boolean;
}

/**
 * R15 / R16: when a password expires and whether to warn now. Days are whole days rounded
 * up, so a password expiring in 2.5 days reads "3 days"; an expired one reads 0 and must change.
 */
export function passwordExpiry(input: ExpiryInput, policy: PolicyDocument['password'], now: Date): ExpiryInfo {
  let expiresAt: Date | null = null;
  if (!input.neverExpires) {
    if (input.directoryExpiresAt) expiresAt = input.directoryExpiresAt;
    else if (policy.maxAgeDays > 0 && input.lastChangedAt) {
      expiresAt = new Date(input.lastChangedAt.getTime() + policy.maxAgeDays * DAY_MS);
    }
  }
  const daysUntilExpiry = expiresAt ? Math.max(0, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS)) : null;
  const expired = expiresAt !== null && expiresAt.getTime() <= now.getTime();
  const mustChange = input.mustChange || expired;
  const horizon = Math.max(0, ...policy.expiryWarningDays);
  const warn = mustChange || (daysUntilExpiry !== null && daysUntilExpiry <= horizon);
  return { expiresAt, daysUntilExpiry, warn, mustChange };
}

/** The highest threshold at or above `days`, i.e. the warning step the user is in (R16). */
export function warningStep(daysUntilExpiry: number | null, thresholds: readonly number[]): number | null {
  if (daysUntilExpiry === null) return null;
  const reached = thresholds.filter((t) => daysUntilExpiry <= t);
  return reached.length ? Math.min(...reached) : null;
}
