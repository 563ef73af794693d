import type { ZxcvbnFactory } from '@zxcvbn-ts/core';

/** The slice of zxcvbn-ts 4's dictionary matcher (`matcher/dictionary/matching`) this module replaces. */
interface DictionaryMatcher {
  options: {
    rankedDictionaries: Record<string, Record<string, number>>;
    useLevenshteinDistance?: boolean;
  };
  getRangedDictionaries(userInputsOptions: unknown): {
    rankedDictionaries: Record<string, Record<string, number>>;
    rankedDictionariesMaxWordSize: Record<string, number>;
  };
  match(o: { password: string; userInputsOptions?: unknown; useLevenshtein?: boolean }): DictionaryMatch[];
}

interface DictionaryMatch {
  pattern: 'dictionary';
  i: number;
  j: number;
  token: string;
  matchedWord: string;
  rank: number;
  dictionaryName: string;
  reversed: false;
  l33t: false;
}

const PREFILTERED = Symbol('sspr.dictionaryPrefilter');

/** The matcher class, or null when this zxcvbn-ts is not laid out as 4.2 is (the estimator then runs as it comes). */
function matcherClassOf(estimator: ZxcvbnFactory): (DictionaryMatcher & { [PREFILTERED]?: true }) | null {
  const internals = estimator as unknown as { matching?: { matchers?: { dictionary?: DictionaryMatcher } }; options?: DictionaryMatcher['options'] };
  const instance = internals.matching?.matchers?.dictionary;
  if (!instance || typeof instance.getRangedDictionaries !== 'function' || typeof internals.options?.rankedDictionaries !== 'object') return null;
  return Object.getPrototypeOf(instance) as DictionaryMatcher & { [PREFILTERED]?: true };
}

/** Whether `estimator`'s dictionary matcher is already the prefiltered one (for the equivalence test). */
export function hasDictionaryPrefilter(estimator: ZxcvbnFactory): boolean {
  return matcherClassOf(estimator)?.[PREFILTERED] === true;
}

/** Every word of every dictionary the estimator was built with, once per dictionary set. */
const wordsOf = new WeakMap<object, Set<string>>();

function allWords(dictionaries: Record<string, Record<string, number>>): Set<string> {
  let words = wordsOf.get(dictionaries);
  if (!words) {
    words = new Set();
    for (const ranked of Object.values(dictionaries)) for (const word of Object.keys(ranked)) words.add(word);
    wordsOf.set(dictionaries, words);
  }
  return words;
}

/**
 * zxcvbn-ts's dictionary matcher looks every substring of the password up in each of its 20
 * dictionaries, once for the password, once reversed, once per l33t variant and again for
 * word sequences: most of a 12-character check (1–3 ms, issue 12). Nearly every substring is
 * in none of them, so this skips such a substring with one lookup in the union of all words
 * and looks the rest up exactly as zxcvbn does: the same matches in the same order, so the
 * same guesses and score (test/unit/dictionary-prefilter.test.ts compares them on a corpus).
 * It replaces the method on the matcher class the estimator was built from (the class its
 * l33t, reverse and word-sequence matchers extend), so every estimator of that class in the
 * process gains it; installing twice is a no-op. A zxcvbn-ts laid out otherwise is left as it
 * comes (slower, never wrong), and the test, which expects it installed, flags the upgrade.
 */
export function installDictionaryPrefilter(estimator: ZxcvbnFactory): void {
  const proto = matcherClassOf(estimator);
  if (!proto) return;
  // Built now, with the dictionaries (PasswordStrength.prepare), not in the first check.
  allWords((estimator as unknown as { options: DictionaryMatcher['options'] }).options.rankedDictionaries);
  if (proto[PREFILTERED]) return;
  proto[PREFILTERED] = true;
  const original = proto.match;
  proto.match = function match(this: DictionaryMatcher, options) {
    // zxcvbn's Levenshtein pass (off here) compares the whole password with near words: left as it is.
    if (this.options.useLevenshteinDistance && options.useLevenshtein !== false) return original.call(this, options);
    const { password, userInputsOptions } = options;
    const matches: DictionaryMatch[] = [];
    const length = password.length;
    const lower = password.toLowerCase();
    const { rankedDictionaries, rankedDictionariesMaxWordSize } = this.getRangedDictionaries(userInputsOptions);
    // The user's own words are merged in per call; every other dictionary is one of the estimator's.
    const known = allWords(this.options.rankedDictionaries);
    const userInputs = rankedDictionaries.userInputs;
    const names = Object.keys(rankedDictionaries);
    const maxWidth = Math.max(0, ...Object.values(rankedDictionariesMaxWordSize));
    for (let i = 0; i < length; i++) {
      for (let j = i; j < length; j++) {
        const whole = i === 0 && j === length - 1;
        if (j - i + 1 > maxWidth && !whole) break;
        const word = lower.slice(i, j + 1);
        if (!known.has(word) && userInputs?.[word] === undefined) continue;
        for (const dictionaryName of names) {
          if (j - i + 1 > rankedDictionariesMaxWordSize[dictionaryName]! && !whole) continue;
          const rank = rankedDictionaries[dictionaryName]![word];
          if (rank !== undefined) matches.push({ pattern: 'dictionary', i, j, token: password.slice(i, j + 1), matchedWord: word, rank, dictionaryName, reversed: false, l33t: false });
        }
      }
    }
    return matches;
  };
}
