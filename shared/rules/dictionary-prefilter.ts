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

/**
 * A word's entries in a set of dictionaries, in the set's order, each packed as
 * position in the set × RANKS + rank: one number for a word of one dictionary (most of them,
 * so the map costs no allocation per word), a list for a word of several.
 */
type Entries = Map<string, number | number[]>;

/** Ranks stay below this (the largest list holds ~50,000 words); positions are few. */
const RANKS = 2 ** 20;

/** Per estimator (its ranked dictionaries), per set of dictionary names: every word's entries. */
const entriesOf = new WeakMap<object, Map<string, Entries>>();

/** Null when a rank does not fit the packing (a list of RANKS words or more). */
function entries(owned: Record<string, Record<string, number>>, set: string[]): Entries | null {
  let bySet = entriesOf.get(owned);
  if (!bySet) entriesOf.set(owned, (bySet = new Map()));
  const key = set.join('\n');
  let words = bySet.get(key);
  if (!words) {
    words = new Map();
    for (const [position, name] of set.entries()) {
      const ranked = owned[name]!;
      for (const word of Object.keys(ranked)) {
        if (ranked[word]! >= RANKS) return null;
        const entry = position * RANKS + ranked[word]!;
        const known = words.get(word);
        if (known === undefined) words.set(word, entry);
        else if (typeof known === 'number') words.set(word, [known, entry]);
        else known.push(entry);
      }
    }
    bySet.set(key, words);
  }
  return words;
}

/**
 * zxcvbn-ts's dictionary matcher looks every substring of the password up in each of its 20
 * dictionaries, once for the password, once reversed, once per l33t variant and again for
 * word sequences: most of a 12-character check (1–3 ms, issue 12). Here one lookup per
 * substring, in a map built once of every word with its dictionaries and ranks, finds what
 * the 20 lookups find: nearly every substring is in none, and a word in several is found in
 * all at once. The user's own words (merged per call) are looked up as zxcvbn does. The same
 * matches come out in the same order, so the same guesses and score
 * (test/unit/dictionary-prefilter.test.ts compares them on a corpus).
 * It replaces the method on the matcher class the estimator was built from (the class its
 * l33t, reverse and word-sequence matchers extend), so every estimator of that class in the
 * process gains it; installing twice is a no-op. A zxcvbn-ts laid out otherwise is left as it
 * comes (slower, never wrong), and the test, which expects it installed, flags the upgrade.
 */
export function installDictionaryPrefilter(estimator: ZxcvbnFactory): void {
  const proto = matcherClassOf(estimator);
  if (!proto) return;
  const owned = (estimator as unknown as { options: DictionaryMatcher['options'] }).options.rankedDictionaries;
  // Built now, with the dictionaries (PasswordStrength.prepare), not in the first check. A list
  // too long for the packing is left to zxcvbn as it comes.
  if (!entries(owned, Object.keys(owned))) return;
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
    const owned = this.options.rankedDictionaries;
    const names = Object.keys(rankedDictionaries);
    // The estimator's own dictionaries come from the map; any other (the user's words) is looked up.
    const fromMap: number[] = [];
    const perCall: number[] = [];
    names.forEach((name, k) => (rankedDictionaries[name] === owned[name] ? fromMap : perCall).push(k));
    // A subset of the estimator's lists, which all fit the packing (checked at install).
    const words = entries(owned, fromMap.map((k) => names[k]!))!;
    const maxWidth = Math.max(0, ...Object.values(rankedDictionariesMaxWordSize));
    const fromSet = (entry: number) => [fromMap[Math.floor(entry / RANKS)]!, entry % RANKS] as const;
    const push = (i: number, j: number, word: string, k: number, rank: number) =>
      matches.push({ pattern: 'dictionary', i, j, token: password.slice(i, j + 1), matchedWord: word, rank, dictionaryName: names[k]!, reversed: false, l33t: false });
    for (let i = 0; i < length; i++) {
      for (let j = i; j < length; j++) {
        const whole = i === 0 && j === length - 1;
        if (j - i + 1 > maxWidth && !whole) break;
        const word = lower.slice(i, j + 1);
        // A word of a dictionary is no longer than that dictionary's longest: no width check needed.
        const found = words.get(word);
        let extra: Array<readonly [number, number]> | null = null;
        for (const k of perCall) {
          const name = names[k]!;
          if (j - i + 1 > rankedDictionariesMaxWordSize[name]! && !whole) continue;
          const rank = rankedDictionaries[name]![word];
          if (rank !== undefined) (extra ??= []).push([k, rank]);
        }
        if (!extra) {
          if (typeof found === 'number') push(i, j, word, ...fromSet(found));
          else if (found) for (const entry of found) push(i, j, word, ...fromSet(entry));
          continue;
        }
        // Both kinds: in the order of `names`, as zxcvbn loops over them.
        const all = [...(found === undefined ? [] : typeof found === 'number' ? [found] : found).map(fromSet), ...extra];
        for (const [k, rank] of all.sort((a, b) => a[0] - b[0])) push(i, j, word, k, rank);
      }
    }
    return matches;
  };
}
