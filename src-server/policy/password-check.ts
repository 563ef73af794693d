import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import type { Locale } from '../../shared/api/common.js';
import type { Violation } from '../../shared/api/errors.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { checkPassword, nameParts, type PasswordOwner } from '../../shared/rules/password.js';

let estimator: ZxcvbnFactory | null = null;
let commonSet: Set<string> | null = null;

function zxcvbn(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary, ...en.dictionary }, graphs: common.adjacencyGraphs, translations: en.translations });
  return estimator;
}

/**
 * Banned / common passwords: an exact hit in zxcvbn-ts's list of ~49,000 common passwords,
 * or a password zxcvbn scores 0–1 ("too guessable": `Password1!`, `Qwerty123!`).
 */
export function isCommonPassword(password: string, userInputs: string[] = []): boolean {
  commonSet ??= new Set((common.dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
  if (commonSet.has(password.toLowerCase())) return true;
  return zxcvbn().check(password, userInputs).score <= 1;
}

/** 0–4 strength, for the app's meter. */
export function passwordStrength(password: string, userInputs: string[] = []): number {
  return zxcvbn().check(password, userInputs).score;
}

/** R18b: the product's own policy, applied before the directory's. Every violation, localised. */
export function productPasswordViolations(password: string, policy: PolicyDocument, owner: PasswordOwner, locale: Locale): Violation[] {
  return checkPassword(password, policy.password, owner, { locale, isCommon: (p) => isCommonPassword(p, nameParts(owner)) });
}
