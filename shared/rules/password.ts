import type { Locale } from '../api/common.js';
import type { Violation } from '../api/errors.js';
import type { PolicyDocument } from '../api/policy.js';
import { PASSWORD_MESSAGES } from '../i18n/messages.js';

export const PASSWORD_MAX_LENGTH = 256;

export interface PasswordOwner {
  username: string;
  displayName?: string | null;
  email?: string | null;
}

export interface PasswordCheckOptions {
  locale?: Locale;
  /** Server side: a banned/common password list. Left out where it is not loaded (renderer). */
  isCommon?: (password: string) => boolean;
  /** R34: contains one of the organisation's banned words (server: the list; main: its digest). */
  isBanned?: (password: string) => boolean;
}

/** The rules checked here; the banned words reach clients only as a digest (banned-words.ts). */
export type ProductPasswordRules = Omit<PolicyDocument['password'], 'bannedTerms'>;

const CLASSES: RegExp[] = [/\p{Ll}/u, /\p{Lu}/u, /\p{Nd}/u, /[^\p{L}\p{Nd}\s]/u];

export function characterClassCount(password: string): number {
  // Letters without case (kana, kanji) count as one class of their own, as AD does.
  const caseless = /[\p{Lo}]/u.test(password) ? 1 : 0;
  return Math.min(4, CLASSES.filter((re) => re.test(password)).length + caseless);
}

/** Name fragments of 3+ characters a password may not contain (AD uses the same cut-off). */
export function nameParts(owner: PasswordOwner): string[] {
  const raw = [owner.username, owner.displayName ?? '', (owner.email ?? '').split('@')[0] ?? ''];
  const parts = new Set<string>();
  for (const s of raw) {
    for (const token of s.toLowerCase().split(/[\s,.\-_#@\\/]+/u)) {
      if ([...token].length >= 3) parts.add(token);
    }
  }
  return [...parts];
}

/**
 * R18b: the product's own password policy, checked before the directory's. Pure: the same
 * function gives the app's live checklist and the server's verdict. Returns every violation.
 */
export function checkPassword(
  password: string,
  policy: ProductPasswordRules,
  owner: PasswordOwner,
  options: PasswordCheckOptions = {},
): Violation[] {
  const m = PASSWORD_MESSAGES[options.locale ?? 'en'];
  const violations: Violation[] = [];
  const length = [...password].length;
  if (length < policy.minLength) violations.push({ rule: 'minLength', message: m.minLength(policy.minLength) });
  if (length > PASSWORD_MAX_LENGTH) violations.push({ rule: 'maxLength', message: m.maxLength(PASSWORD_MAX_LENGTH) });
  if (password !== password.trim()) violations.push({ rule: 'whitespace', message: m.whitespace });
  const classes = policy.minCharacterClasses ?? 3;
  if (characterClassCount(password) < classes) violations.push({ rule: 'characterClasses', message: m.characterClasses(classes) });
  const lower = password.toLowerCase();
  if (nameParts(owner).some((p) => lower.includes(p))) violations.push({ rule: 'nameParts', message: m.nameParts });
  if (options.isCommon?.(password)) violations.push({ rule: 'common', message: m.common });
  if (options.isBanned?.(password)) violations.push({ rule: 'banned', message: m.banned });
  return violations;
}
