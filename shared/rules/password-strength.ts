import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { installDictionaryPrefilter } from './dictionary-prefilter.js';
import { PASSWORD_MAX_LENGTH } from './password.js';

/**
 * zxcvbn scores this many characters; the rest of a longer password counts as length. zxcvbn's
 * cost grows with the square of the length and with every digit or symbol its l33t matcher
 * may substitute (a 64-character hex string took over half a second), so scoring a bounded
 * head keeps every check within a few milliseconds whatever the input (issue 12; the bound is
 * printed by bench/password-strength.ts).
 */
export const SCORED_HEAD = 12;

/** zxcvbn's own cut-off for its l33t variants (default 100, the cost's main driver). */
const L33T_MAX_SUBSTITUTIONS = 2;

/** zxcvbn's brute-force rate: each unexplained character multiplies the guesses by 10. */
const CHAR_LOG10 = 1;

/** Longest dictionary word looked for in the tail. */
const MAX_WORD = 20;

/** log10 of the guesses from which the score is 2 ("too guessable" ends there). */
const SCORE_2_LOG10 = 6;

/** log10 guesses → zxcvbn's 0–4 score, with its thresholds (1e3, 1e6, 1e8, 1e10). */
function scoreOf(log10: number): number {
  if (log10 < 3) return 0;
  if (log10 < SCORE_2_LOG10) return 1;
  if (log10 < 8) return 2;
  if (log10 < 10) return 3;
  return 4;
}

/**
 * zxcvbn-ts strength and the common-password list, shared by the server's verdict and the
 * app's advice (main process only: its ~1 MB dictionary stays out of the renderer bundle).
 * The dictionaries are built on first use.
 */
export class PasswordStrength {
  private estimator: ZxcvbnFactory | null = null;
  private commonSet: Set<string> | null = null;
  /** Every dictionary word of 3+ characters with its best rank, for the tail. */
  private ranks: Map<string, number> | null = null;

  /**
   * 0–4, zxcvbn's score; the name parts count as guessable input. zxcvbn scores the first
   * SCORED_HEAD characters; each later character adds zxcvbn's brute-force factor unless it
   * repeats a recent block or continues a sequence (adds nothing) or belongs to a dictionary
   * word (the word adds its rank once).
   */
  score(password: string, userInputs: string[] = []): number {
    if (!password) return 0;
    // Beyond the cap the password is refused anyway (maxLength); the score reads no further.
    const chars = [...password].slice(0, PASSWORD_MAX_LENGTH);
    if (chars.length <= SCORED_HEAD) return this.head(chars, userInputs).score;
    return scoreOf(this.head(chars, userInputs).guessesLog10 + this.tailLog10(chars, userInputs));
  }

  /**
   * score(password) ≤ 1, with zxcvbn only when the tail leaves it open: zxcvbn's guesses for
   * the head are at least 1 (log10 ≥ 0), so a tail worth 10^6 guesses decides alone — the
   * same verdict at a fraction of the cost (zxcvbn is most of a change's CPU, issue 12).
   */
  private tooGuessable(password: string, userInputs: string[]): boolean {
    if (!password) return true;
    const chars = [...password].slice(0, PASSWORD_MAX_LENGTH);
    if (chars.length <= SCORED_HEAD) return this.head(chars, userInputs).score <= 1;
    const tail = this.tailLog10(chars, userInputs);
    if (tail >= SCORE_2_LOG10) return false;
    return scoreOf(this.head(chars, userInputs).guessesLog10 + tail) <= 1;
  }

  /**
   * Builds the dictionaries now (~0.6 s of CPU), so the first check after a server starts
   * does not hold its event loop that long: the server calls it before it listens.
   */
  prepare(): void {
    this.estimator ??= newEstimator();
    this.ranks ??= rankedWords();
    this.commonSet ??= commonPasswords();
  }

  private head(chars: string[], userInputs: string[]) {
    this.estimator ??= newEstimator();
    return this.estimator.check(chars.slice(0, SCORED_HEAD).join(''), userInputs);
  }

  /** log10 of the guesses the characters after the head add. Linear in the length. */
  private tailLog10(chars: string[], userInputs: string[]): number {
    this.ranks ??= rankedWords();
    const inputs = new Set(userInputs.map((u) => u.toLowerCase()));
    const lower = chars.map((c) => c.toLowerCase());
    let log10 = 0;
    let i = SCORED_HEAD;
    while (i < lower.length) {
      if (repeatsOrContinues(lower, i)) {
        i++;
        continue;
      }
      // Dictionary words are letters: look only within the run of letters starting here.
      let run = 0;
      while (run < MAX_WORD && i + run < lower.length && /\p{L}/u.test(lower[i + run]!)) run++;
      let word = 0;
      let rank = 0;
      for (let len = run; len >= 3 && !word; len--) {
        const candidate = lower.slice(i, i + len).join('');
        const r = inputs.has(candidate) ? 1 : this.ranks.get(candidate);
        if (r !== undefined) [word, rank] = [len, r];
      }
      if (word) {
        log10 += Math.log10(Math.max(rank, 2));
        i += word;
      } else {
        log10 += CHAR_LOG10;
        i++;
      }
    }
    return log10;
  }

  /**
   * Banned / common: an exact hit in zxcvbn-ts's list of ~49,000 common passwords, or a score
   * of 0–1 ("too guessable": `Password1!`, `Qwerty123!`). Pass `score` when already known.
   */
  isCommon(password: string, userInputs: string[] = [], score?: number): boolean {
    this.commonSet ??= commonPasswords();
    if (this.commonSet.has(password.toLowerCase())) return true;
    return score === undefined ? this.tooGuessable(password, userInputs) : score <= 1;
  }
}

/** A character that repeats the block of 1–SCORED_HEAD characters before it, or steps ±1 from the one before (abc, 987). */
function repeatsOrContinues(chars: string[], i: number): boolean {
  const step = chars[i]!.codePointAt(0)! - chars[i - 1]!.codePointAt(0)!;
  if (step === 1 || step === -1 || step === 0) return true;
  for (let period = 2; period <= SCORED_HEAD; period++) {
    // Two matching characters in a row at this period: a repeated block, not chance.
    if (chars[i] === chars[i - period] && chars[i - 1] === chars[i - 1 - period]) return true;
  }
  return false;
}

function newEstimator(): ZxcvbnFactory {
  const estimator = new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
    l33tMaxSubstitutions: L33T_MAX_SUBSTITUTIONS,
  });
  installDictionaryPrefilter(estimator);
  return estimator;
}

function commonPasswords(): Set<string> {
  return new Set((common.dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));
}

function rankedWords(): Map<string, number> {
  const ranks = new Map<string, number>();
  for (const list of Object.values({ ...common.dictionary, ...en.dictionary }) as Array<Array<string | number>>) {
    list.forEach((w, index) => {
      const word = String(w).toLowerCase();
      if (word.length < 3 || word.length > MAX_WORD) return;
      const known = ranks.get(word);
      if (known === undefined || index + 1 < known) ranks.set(word, index + 1);
    });
  }
  return ranks;
}
