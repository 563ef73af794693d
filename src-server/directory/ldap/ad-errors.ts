import type { Violation } from '../../../shared/api/errors.js';
import { PASSWORD_MESSAGES } from '../../../shared/i18n/messages.js';

/**
 * Active Directory puts its real reason in the diagnostic message: `… data 775, v4563` on a
 * bind, `0000052D: Constraint violation - …` on a write. These turn it into sign-in reasons
 * and password violations.
 */

/** The Win32 error code in an AD diagnostic message, upper-case hex without leading zeros (`52E`, `775`, `52D`). */
export function adErrorCode(message: string): string | null {
  const data = /\bdata ([0-9a-f]{1,8})\b/i.exec(message);
  const lead = /^\s*([0-9a-f]{8}):/i.exec(message);
  // A bind names the reason after "data"; a write leads with it.
  const hex = lead && lead[1] !== '80090308' ? lead[1] : data?.[1];
  if (!hex) return null;
  return hex.replace(/^0+(?=.)/, '').toUpperCase();
}

type AdBindReason = 'invalid' | 'locked' | 'disabled' | 'expired' | 'mustChange';

/**
 * Bind failures (ERROR_* codes in the `data` field). AD reports a disabled account, an
 * expired password and "must change" only to someone who gave the right password; a lockout
 * it reports to anyone.
 */
export function adBindReason(message: string): AdBindReason {
  switch (adErrorCode(message)) {
    case '775': // ERROR_ACCOUNT_LOCKED_OUT
      return 'locked';
    case '533': // ERROR_ACCOUNT_DISABLED
    case '701': // ERROR_ACCOUNT_EXPIRED
      return 'disabled';
    case '532': // ERROR_PASSWORD_EXPIRED
      return 'expired';
    case '773': // ERROR_PASSWORD_MUST_CHANGE
      return 'mustChange';
    default: // 52E ERROR_LOGON_FAILURE, 525 no such user, 530/531 time or workstation restriction
      return 'invalid';
  }
}

/** The domain's password policy, read from the domain object. */
export interface AdDomainPolicy {
  minPwdLength: number;
  pwdHistoryLength: number;
  minPwdAgeMs: number;
  maxPwdAgeMs: number | null;
  /** DOMAIN_PASSWORD_COMPLEX (pwdProperties bit 0). */
  complexity: boolean;
}

/**
 * AD's complexity rule: no account name (3+ characters) and no display-name token of 3+
 * characters inside, and characters from 3 of 5 kinds (upper, lower, digit, symbol, other letters).
 */
export function meetsAdComplexity(password: string, accountName: string | null, displayName: string | null): boolean {
  const lower = password.toLowerCase();
  if (accountName && accountName.length >= 3 && lower.includes(accountName.toLowerCase())) return false;
  for (const token of (displayName ?? '').split(/[,.\-_#\t ]+/)) {
    if (token.length >= 3 && lower.includes(token.toLowerCase())) return false;
  }
  let kinds = 0;
  if (/\p{Lu}/u.test(password)) kinds += 1;
  if (/\p{Ll}/u.test(password)) kinds += 1;
  if (/\p{Nd}/u.test(password)) kinds += 1;
  if (/[^\p{L}\p{Nd}]/u.test(password)) kinds += 1;
  if (/[\p{Lo}\p{Lt}\p{Lm}]/u.test(password)) kinds += 1;
  return kinds >= 3;
}

const m = PASSWORD_MESSAGES.en;

export interface AdWriteContext {
  policy: AdDomainPolicy | null;
  newPassword: string;
  accountName: string | null;
  displayName: string | null;
  /** When the password was last set (null: never / must change). */
  lastSetAt: Date | null;
  now: Date;
  /** A user's own change (minimum age applies) rather than a reset. */
  isChange: boolean;
}

/**
 * R18b: a refused password write as violations. Samba names the reason in the message;
 * Windows DCs often say only `0000052D` (or `problem 5003`), so the reason is then inferred
 * from the domain policy in the order the DC checks it: age, length, complexity, history.
 */
export function adWriteViolations(message: string, ctx: AdWriteContext): Violation[] {
  const code = adErrorCode(message);
  if (code === '56') return [{ rule: 'currentPassword', message: m.currentPassword }]; // ERROR_INVALID_PASSWORD: wrong old value
  if (code !== '52D' && !/problem 5003|check_password_restrictions/i.test(message)) {
    return [{ rule: 'directory', message: `${m.directory} (${message.split(' Code:')[0]!.trim()})` }];
  }
  const p = ctx.policy;
  const text = message.toLowerCase();
  const history = (): Violation => ({ rule: 'history', message: m.history(p?.pwdHistoryLength || 1) });
  if (text.includes('too young')) return [{ rule: 'tooYoung', message: m.tooYoung }];
  if (text.includes('too short')) return [{ rule: 'minLength', message: m.minLength(Number(/(\d+) characters/.exec(message)?.[1] ?? p?.minPwdLength ?? 0)) }];
  if (text.includes('too long')) return [{ rule: 'maxLength', message: m.maxLength(Number(/(\d+) characters/.exec(message)?.[1] ?? 0)) }];
  if (text.includes('complexity')) return [{ rule: 'complexity', message: m.complexity }];
  if (text.includes('history') || text.includes('already used')) return [history()];
  if (p && ctx.isChange && ctx.lastSetAt && p.minPwdAgeMs > 0 && ctx.lastSetAt.getTime() + p.minPwdAgeMs > ctx.now.getTime()) return [{ rule: 'tooYoung', message: m.tooYoung }];
  if (p && [...ctx.newPassword].length < p.minPwdLength) return [{ rule: 'minLength', message: m.minLength(p.minPwdLength) }];
  if (p?.complexity && !meetsAdComplexity(ctx.newPassword, ctx.accountName, ctx.displayName)) return [{ rule: 'complexity', message: m.complexity }];
  return [history()];
}
