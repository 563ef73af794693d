import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as en from '@zxcvbn-ts/language-en';
import { describe, expect, it } from 'vitest';
import { hasDictionaryPrefilter, installDictionaryPrefilter } from '../../shared/rules/dictionary-prefilter.js';

// The estimator as shared/rules/password-strength.ts builds it.
const estimator = () =>
  new ZxcvbnFactory({ dictionary: { ...common.dictionary, ...en.dictionary }, graphs: common.adjacencyGraphs, translations: en.translations, l33tMaxSubstitutions: 2 });

/** A deterministic corpus of the shapes people choose: words, names, l33t, dates, walks, reversals, random. */
function corpus(): Array<{ password: string; inputs: string[] }> {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const pick = <T>(xs: T[]) => xs[rand(xs.length)]!;
  const words = [...(en.dictionary['commonWords-en'] as string[]).slice(0, 3000), ...(en.dictionary['firstnames-en'] as string[]).slice(0, 500), ...(common.dictionary['passwords-common'] as string[]).slice(0, 1000), 'seven', 'march', 'saturn', 'winter'];
  const l33t = (w: string) => w.replace(/a/g, '@').replace(/o/g, '0').replace(/e/g, '3').replace(/s/g, '$').replace(/i/g, '1');
  const cap = (w: string) => w.charAt(0).toUpperCase() + w.slice(1);
  const shapes: Array<() => string> = [
    () => cap(pick(words)) + (1950 + rand(80)) + pick(['!', '#', '', '?']),
    () => l33t(pick(words)) + pick(words) + rand(100),
    () => pick(words) + pick(['-', '_', '.', '']) + cap(pick(words)) + rand(10),
    () => [...pick(words)].reverse().join('') + rand(1000),
    () => pick(['qwerty', 'asdfgh', 'zxcvbn', '1qaz2wsx', 'poiuy']) + pick(words),
    () => `${rand(28) + 1}${pick(['/', '-', '.', ''])}${rand(12) + 1}${pick(['/', '-', '.', ''])}${1960 + rand(60)}` + pick(words),
    () => Array.from({ length: 8 + rand(9) }, () => String.fromCharCode(33 + rand(94))).join(''),
    () => pick(words).repeat(2 + rand(2)) + '!',
    () => 'abcdefghijklmnop'.slice(rand(5), 8 + rand(8)) + rand(99),
    () => cap(pick(['hanako', 'sato', 'zqvkri'])) + rand(9999) + pick(words),
    () => pick(['one', 'two', 'three', 'monday', 'april', 'red', 'north', 'alpha', 'mars']) + pick(['Two', 'Four', 'Tuesday', 'May', 'Blue', 'South', 'Bravo', 'Venus']) + rand(9),
  ];
  const out: Array<{ password: string; inputs: string[] }> = [];
  for (let k = 0; k < 1200; k++) out.push({ password: pick(shapes)().slice(0, 24), inputs: k % 3 === 0 ? ['hanako', 'sato', 'zqvkri', pick(words)] : [] });
  return out;
}

describe('zxcvbn dictionary prefilter (issue 12)', () => {
  it('R18b: gives every password the same matches, guesses, score and match sequence as zxcvbn-ts itself', () => {
    const plain = estimator();
    // Vitest runs each file in its own module graph: nothing has installed it yet.
    expect(hasDictionaryPrefilter(plain)).toBe(false);
    const passwords = corpus();
    const verdict = (e: ZxcvbnFactory, p: { password: string; inputs: string[] }) => {
      const r = e.check(p.password, p.inputs);
      // Every matcher's raw matches too, in order (zxcvbn's private `main`): the same list, not just the same outcome.
      const matches = (e as unknown as { main(password: string, inputs: string[]): unknown }).main(p.password, p.inputs);
      return JSON.stringify({ guesses: r.guesses, score: r.score, sequence: r.sequence.map((m) => [m.pattern, m.i, m.j, m.token, (m as { rank?: number }).rank ?? null]), matches });
    };
    const before = passwords.map((p) => verdict(plain, p));

    installDictionaryPrefilter(plain);
    installDictionaryPrefilter(plain);
    // False after an upgrade of zxcvbn-ts that moved its matcher: the check is then as slow as before.
    expect(hasDictionaryPrefilter(plain)).toBe(true);
    const after = passwords.map((p) => verdict(plain, p));
    const fresh = estimator();
    expect(hasDictionaryPrefilter(fresh)).toBe(true);
    const afterFresh = passwords.map((p) => verdict(fresh, p));

    expect(new Set(passwords.map((p) => p.password)).size).toBeGreaterThan(1000);
    // The corpus reaches the dictionaries: many verdicts rest on dictionary matches.
    expect(before.filter((v) => v.includes('"dictionary"')).length).toBeGreaterThan(600);
    for (let k = 0; k < passwords.length; k++) {
      expect(after[k], passwords[k]!.password).toBe(before[k]);
      expect(afterFresh[k], passwords[k]!.password).toBe(before[k]);
    }
  });
});
