import type { Locale } from '../../shared/api/common.js';
import type { Violation } from '../../shared/api/errors.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { checkPassword, nameParts, type PasswordOwner } from '../../shared/rules/password.js';
import { PasswordStrength } from '../../shared/rules/password-strength.js';

const strength = new PasswordStrength();

/** R18b: the product's own policy, applied before the directory's. Every violation, localised. */
export function productPasswordViolations(password: string, policy: PolicyDocument, owner: PasswordOwner, locale: Locale): Violation[] {
  return checkPassword(password, policy.password, owner, { locale, isCommon: (p) => strength.isCommon(p, nameParts(owner)) });
}
