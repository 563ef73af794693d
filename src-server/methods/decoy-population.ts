import { createHmac } from 'node:crypto';
import type { MethodType } from '../../shared/api/common.js';

/**
 * R13b: decoys drawn from the real population. What an identify answer shows — which methods
 * in which order, mail domains, phone country codes, device names, how many questions — is
 * counted over every user who would get a real answer, one feature at a time. A decoy draws
 * each feature from those counts, so no single feature of an answer tells a real user from an
 * unknown name any better than chance.
 *
 * The counts hold no personal data: only values at least `MIN_SHARED` users share are kept
 * (a one-off device name or private mail domain never reaches a stranger's decoy), and no
 * value is tied to a user.
 */
export const MIN_SHARED = 3;
/** Below this many users the counts say too little; the synthetic decoys are used instead. */
export const MIN_POPULATION = 20;

export type Feature = 'profile' | 'emailDomain' | 'emailInitial' | 'phoneCountry' | 'pushDevice' | 'authenticatorLabel' | 'questionCount';

export interface Population {
  users: number;
  counts: Record<Feature, Record<string, number>>;
}

export interface OfferedHint {
  type: MethodType;
  hint: string;
}

const emptyCounts = (): Population['counts'] => ({
  profile: {},
  emailDomain: {},
  emailInitial: {},
  phoneCountry: {},
  pushDevice: {},
  authenticatorLabel: {},
  questionCount: {},
});

/** The features of one answer's methods, as (feature, value) pairs. */
export function featuresOf(methods: readonly OfferedHint[]): Array<[Feature, string]> {
  const out: Array<[Feature, string]> = [['profile', methods.map((m) => m.type).join('|')]];
  for (const m of methods) {
    switch (m.type) {
      case 'email': {
        const at = m.hint.lastIndexOf('@');
        out.push(['emailInitial', [...m.hint][0] ?? ''], ['emailDomain', at >= 0 ? m.hint.slice(at + 1).toLowerCase() : '']);
        break;
      }
      case 'mobilePhone':
      case 'officePhone':
        out.push(['phoneCountry', /^\+\d{1,3}/.exec(m.hint)?.[0] ?? '']);
        break;
      case 'authenticatorPush':
        out.push(['pushDevice', m.hint]);
        break;
      case 'authenticatorCode':
        out.push(['authenticatorLabel', m.hint]);
        break;
      case 'securityQuestions':
        out.push(['questionCount', /^\d+/.exec(m.hint)?.[0] ?? '']);
        break;
    }
  }
  return out;
}

/** Counts the answers real users would get; rare values are dropped (see MIN_SHARED). */
export function countPopulation(answers: Iterable<readonly OfferedHint[]>): Population {
  const counts = emptyCounts();
  let users = 0;
  for (const methods of answers) {
    if (methods.length === 0) continue;
    users++;
    for (const [feature, value] of featuresOf(methods)) counts[feature][value] = (counts[feature][value] ?? 0) + 1;
  }
  for (const table of Object.values(counts)) {
    for (const [value, n] of Object.entries(table)) if (n < MIN_SHARED) delete table[value];
  }
  return { users, counts };
}

/**
 * A value of `feature`, drawn by weight with the name's own randomness: the same name gets the
 * same value while the population barely moves (values are taken in a fixed order, so one
 * new user shifts few names). Null when the feature has no shared value.
 */
function draw(population: Population, feature: Feature, seed: Buffer, label: string, accept: (value: string) => boolean = () => true): string | null {
  const entries = Object.entries(population.counts[feature])
    .filter(([value]) => accept(value))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const u = createHmac('sha256', seed).update(`${feature}:${label}`).digest().readUInt32BE(0) / 2 ** 32;
  let at = u * total;
  for (const [value, n] of entries) {
    if (at < n) return value;
    at -= n;
  }
  return entries[entries.length - 1]![0];
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * A decoy's methods for one name from the population, under the methods the policy allows
 * now. Null when the population is too small or has no profile the policy still allows.
 */
export function populationDecoy(population: Population | null, seed: Buffer, allowed: readonly MethodType[], required: number): OfferedHint[] | null {
  if (!population || population.users < MIN_POPULATION) return null;
  const fits = (profile: string) => {
    const types = profile.split('|') as MethodType[];
    return types.every((t) => allowed.includes(t)) && new Set(types).size >= required;
  };
  const profile = draw(population, 'profile', seed, 'profile', fits);
  if (!profile) return null;
  return (profile.split('|') as MethodType[]).map((type, i) => {
    const slot = `${type}:${i}`;
    const bytes = createHmac('sha256', seed).update(`hint:${slot}`).digest();
    switch (type) {
      case 'email': {
        const initial = draw(population, 'emailInitial', seed, slot) ?? LETTERS[bytes[0]! % 26]!;
        return { type, hint: `${initial}•••@${draw(population, 'emailDomain', seed, slot) ?? 'example.com'}` };
      }
      case 'mobilePhone':
      case 'officePhone':
        return { type, hint: `${draw(population, 'phoneCountry', seed, slot) ?? '+81'} ••• •••• ••${String(bytes[1]! % 100).padStart(2, '0')}` };
      case 'authenticatorPush':
        return { type, hint: draw(population, 'pushDevice', seed, slot) ?? 'iPhone' };
      case 'authenticatorCode':
        return { type, hint: draw(population, 'authenticatorLabel', seed, slot) ?? 'Authenticator app' };
      case 'securityQuestions':
        return { type, hint: `${draw(population, 'questionCount', seed, slot) ?? '3'} questions` };
    }
  });
}
