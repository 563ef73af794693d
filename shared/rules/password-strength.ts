import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';

/**
 * zxcvbn-ts strength and the common-password list, shared by the server's verdict and the
 * app's advice (main process only: its ~1 MB dictionary stays out of the renderer bundle).
 * The dictionaries are built on first use.
 */
export class PasswordStrength {
  private estimator: ZxcvbnFactory | null = null;
  private commonSet: Set<string> | null = null;

  /** 0–4, zxcvbn's score; the name parts count as guessable input. */
  score(password: string, userInputs: string[] = []): number {
    if (!password) return 0;
    this.estimator ??= new ZxcvbnFactory({ dictionary: { ...common.dictionary, ...en.dictionary }, graphs: common.adjacencyGraphs, translations: en.translations });
    return this.estimator.check(password.slice(0, 256), userInputs).score;
  }

  /**
   * Banned / common: an exact hit in zxcvbn-ts's list of ~49,000 common passwords, or a score
   * of 0–1 ("too guessable": `Password1!`, `Qwerty123!`). Pass `score` when already known.
   */
  isCommon(password: string, userInputs: string[] = [], score?: number): boolean {
    this.commonSet ??= new Set((common.dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
    return this.commonSet.has(password.toLowerCase()) || (score ?? this.score(password, userInputs)) <= 1;
  }
}
