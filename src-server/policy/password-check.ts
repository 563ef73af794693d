import type { Locale } from '../../shared/api/common.js';
import type { Violation } from '../../shared/api/errors.js';
import type { PolicyDocument, PublicPolicy } from '../../shared/api/policy.js';
import { checkPassword, type PasswordOwner } from '../../shared/rules/password.js';
import { PasswordStrength } from '../../shared/rules/password-strength.js';
import { BannedTerms } from './banned-terms.js';

const strength = new PasswordStrength();
const banned = new BannedTerms();

/**
 * R18b, R34: the product's own policy, applied before the directory's. Every violation, localised.
 * The name parts are not given to zxcvbn as user input: a password holding one already fails
 * the `nameParts` rule, and they nearly double zxcvbn's cost (issue 12).
 */
export function productPasswordViolations(password: string, policy: PolicyDocument, owner: PasswordOwner, locale: Locale): Violation[] {
  return checkPassword(password, policy.password, owner, {
    locale,
    isCommon: (p) => strength.isCommon(p),
    isBanned: (p) => banned.matches(policy.password.bannedTerms, p),
  });
}

/** Builds the strength dictionaries before the server listens, not in its first change (~0.5 s). */
export function preparePasswordChecks(): void {
  strength.prepare();
}

/** R34: the password part of `GET /policy`: the rules, with the banned words only as a digest. */
export function publicPasswordPolicy(policy: PolicyDocument): Pick<PublicPolicy, 'password' | 'bannedTermDigest'> {
  const { bannedTerms, ...password } = policy.password;
  return { password, bannedTermDigest: bannedTerms.length > 0 ? banned.digest(bannedTerms) : undefined };
}
