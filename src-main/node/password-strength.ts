/**
 * Password checks for the app's live checklist: the product rules (shared/rules/password.ts)
 * plus the common-password list and the strength score from zxcvbn-ts, which runs here in
 * main so its ~1 MB dictionary stays out of the renderer bundle. The server applies the same
 * rules again (R18b); this is advice, not the verdict.
 */
import type { Locale } from '../../shared/api/common.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import type { PasswordCheckResult } from '../../shared/ipc/contract.js';
import { checkPassword, nameParts, type PasswordOwner } from '../../shared/rules/password.js';
import { PasswordStrength } from '../../shared/rules/password-strength.js';

export class PasswordAdvisor {
  private readonly strength = new PasswordStrength();

  check(password: string, policy: PolicyDocument['password'], owner: PasswordOwner, locale: Locale): PasswordCheckResult {
    const inputs = nameParts(owner);
    const score = this.strength.score(password, inputs);
    const violations = checkPassword(password, policy, owner, { locale, isCommon: (p) => this.strength.isCommon(p, inputs, score) });
    return { violations, strength: score, acceptable: violations.length === 0 };
  }
}
