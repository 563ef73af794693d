import type { Locale } from '../../shared/api/common.js';
import type { Violation } from '../../shared/api/errors.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { checkPassword, type PasswordOwner } from '../../shared/rules/password.js';
import { PasswordStrength } from '../../shared/rules/password-strength.js';

const strength = new PasswordStrength();

/**
 * R18b: the product's own policy, applied before the directory's. Every violation, localised.
 * The name parts are not given to zxcvbn as user input: a password holding one already fails
 * the `nameParts` rule, and they nearly double zxcvbn's cost (issue 12).
 */
export function productPasswordViolations(password: string, policy: PolicyDocument, owner: PasswordOwner, locale: Locale): Violation[] {
  return checkPassword(password, policy.password, owner, { locale, isCommon: (p) => strength.isCommon(p) });
}
