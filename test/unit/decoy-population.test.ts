import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MethodType } from '../../shared/api/common.js';
import { countPopulation, featuresOf, MIN_SHARED, populationDecoy, type OfferedHint } from '../../src-server/methods/decoy-population.js';
import { DEFAULT_POLICY } from '../../shared/api/policy.js';
import { decoyMethods } from '../../src-server/methods/decoy.js';
import { trainAndTest, type Sample } from '../helpers/frequency-classifier.js';

const seed = (name: string) => createHash('sha256').update(name).digest();
const ALL: MethodType[] = ['email', 'mobilePhone', 'officePhone', 'authenticatorCode', 'authenticatorPush', 'securityQuestions'];

/** A made-up company: mostly company mail, some private; Japan and the UK; a few phone-only. */
function realAnswer(i: number): OfferedHint[] {
  const pick = <T>(xs: T[]) => xs[(i * 7919 + xs.length * 31) % xs.length]!;
  const email = { type: 'email' as const, hint: `${'abcdefghijklmnopqrst'[i % 20]}•••@${pick(['corp.example.co.jp', 'corp.example.co.jp', 'gmail.com', 'yahoo.co.jp', `own${i}.example`])}` };
  const phone = { type: 'mobilePhone' as const, hint: `${i % 9 === 0 ? '+44' : '+81'} ••• •••• ••${String(i % 100).padStart(2, '0')}` };
  const questions = { type: 'securityQuestions' as const, hint: `${3 + (i % 3)} questions` };
  const push = { type: 'authenticatorPush' as const, hint: i % 13 === 0 ? `Taro${i}'s phone` : pick(['iPhone 15', 'Pixel 8', 'Galaxy S24']) };
  switch (i % 6) {
    case 0: return [email, phone];
    case 1: return [phone];
    case 2: return [email, questions];
    case 3: return [push, email];
    case 4: return [email];
    default: return [phone, questions];
  }
}

describe('R13b: decoys drawn from the population', () => {
  const answers = Array.from({ length: 600 }, (_, i) => realAnswer(i));
  const population = countPopulation(answers);

  it('keeps only values several users share: no one-off device name or private domain', () => {
    expect(population.users).toBe(600);
    for (const table of Object.values(population.counts)) for (const n of Object.values(table)) expect(n).toBeGreaterThanOrEqual(MIN_SHARED);
    expect(Object.keys(population.counts.pushDevice).some((d) => d.startsWith('Taro'))).toBe(false);
    expect(Object.keys(population.counts.emailDomain).some((d) => d.startsWith('own'))).toBe(false);
    expect(population.counts.phoneCountry['+44']).toBeGreaterThan(0);
  });

  it('gives a name the same decoy every time, and only methods the policy allows', () => {
    const a = populationDecoy(population, seed('nobody'), ALL, 1);
    expect(populationDecoy(population, seed('nobody'), ALL, 1)).toEqual(a);
    for (let i = 0; i < 200; i++) {
      const d = populationDecoy(population, seed(`n${i}`), ['email', 'mobilePhone'], 1)!;
      expect(d.every((m) => m.type === 'email' || m.type === 'mobilePhone')).toBe(true);
    }
    for (let i = 0; i < 200; i++) expect(new Set(populationDecoy(population, seed(`m${i}`), ALL, 2)!.map((m) => m.type)).size).toBeGreaterThanOrEqual(2);
    expect(populationDecoy({ ...population, users: 5 }, seed('x'), ALL, 1)).toBeNull();
  });

  /** Trains on half of 1,000 real and 1,000 decoy answers, tests on the other half. */
  function classify(decoy: (i: number) => OfferedHint[]): number {
    const samples: Sample[] = [];
    const toFeatures = (methods: OfferedHint[]) => featuresOf(methods).map(([f, v]) => `${f}=${v}`);
    for (let i = 0; i < 1000; i++) samples.push({ real: true, features: toFeatures(realAnswer(i + 1000)) });
    for (let i = 0; i < 1000; i++) samples.push({ real: false, features: toFeatures(decoy(i)) });
    const shuffled = samples.map((s, i) => ({ s, k: createHash('sha256').update(String(i)).digest().readUInt32BE(0) })).sort((x, y) => x.k - y.k).map((x) => x.s);
    return trainAndTest(shuffled.slice(0, 1000), shuffled.slice(1000)).accuracy;
  }

  it('a per-feature frequency classifier does no better than chance on real vs decoy answers', () => {
    const accuracy = classify((i) => populationDecoy(population, seed(`unknown-${i}`), ALL, 1)!);
    console.log(`decoy classifier accuracy on the held-out half: ${(accuracy * 100).toFixed(1)} %`);
    // One-off values (private domains, named phones) are real-only but unseen in training.
    expect(accuracy).toBeLessThan(0.56);
  });

  it('the same classifier tells the old synthetic decoys apart (so the test above can fail)', () => {
    const accuracy = classify((i) => decoyMethods(seed(`unknown-${i}`), { required: 1, types: ALL }, DEFAULT_POLICY));
    console.log(`the same classifier against synthetic decoys: ${(accuracy * 100).toFixed(1)} %`);
    expect(accuracy).toBeGreaterThan(0.8);
  });
});
