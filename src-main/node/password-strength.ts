/**
 * Password checks for the app's live checklist: the product rules (shared/rules/password.ts)
 * plus the common-password list and the strength score from zxcvbn-ts, which runs here in
 * main so its ~1 MB dictionary stays out of the renderer bundle. The server applies the same
 * rules again (R18b); this is advice, not the verdict.
 */
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import type { Locale } from '../../shared/api/common.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import type { PasswordCheckResult } from '../../shared/ipc/contract.js';
import { checkPassword, nameParts, type PasswordOwner } from '../../shared/rules/password.js';

export class PasswordAdvisor {
  private estimator: ZxcvbnFactory | null = null;
  private commonSet: Set<string> | null = null;

  private zxcvbn(): ZxcvbnFactory {
    this.estimator ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary, ...en.dictionary }, graphs: common.adjacencyGraphs, translations: en.translations });
    return this.estimator;
  }

  check(password: string, policy: PolicyDocument['password'], owner: PasswordOwner, locale: Locale): PasswordCheckResult {
    const inputs = nameParts(owner);
    const score = password ? this.zxcvbn().check(password.slice(0, 256), inputs).score : 0;
    this.commonSet ??= new Set((common.dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
    const isCommon = (p: string) => this.commonSet!.has(p.toLowerCase()) || score <= 1;
    const violations = checkPassword(password, policy, owner, { locale, isCommon });
    return { violations, strength: score, acceptable: violations.length === 0 };
  }
}
