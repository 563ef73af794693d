/**
 * Password checks for the app's live checklist: the product rules (shared/rules/password.ts)
 * plus the common-password list, the banned-word digest and the strength score from zxcvbn-ts, which runs here in
 * main so its ~1 MB dictionary stays out of the renderer bundle. The server applies the same
 * rules again (R18b); this is advice, not the verdict.
 */
import type { Locale } from '../../shared/api/common.js';
import { createHash } from 'node:crypto';
import type { PublicPolicy } from '../../shared/api/policy.js';
import type { PasswordCheckResult } from '../../shared/ipc/contract.js';
import { matchesBannedDigest, type BannedTermDigest } from '../../shared/rules/banned-words.js';
import { checkPassword, nameParts, type PasswordOwner } from '../../shared/rules/password.js';
import { PasswordStrength } from '../../shared/rules/password-strength.js';

const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

export class PasswordAdvisor {
  private readonly strength = new PasswordStrength();

  /** Builds the dictionaries now (~0.6 s), so the first check as the user types is quick. */
  prepare(): void {
    this.strength.prepare();
  }

  /** R34: the banned words arrive only as the server's digest of them, checked here. */
  check(password: string, policy: PublicPolicy['password'], owner: PasswordOwner, locale: Locale, digest?: BannedTermDigest): PasswordCheckResult {
    const inputs = nameParts(owner);
    const score = this.strength.score(password, inputs);
    const violations = checkPassword(password, policy, owner, {
      locale,
      isCommon: (p) => this.strength.isCommon(p, inputs, score),
      isBanned: digest ? (p) => matchesBannedDigest(p, digest, sha256Hex) : undefined,
    });
    return { violations, strength: score, acceptable: violations.length === 0 };
  }
}
