import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, PolicyDocument } from '../../shared/api/policy.js';
import { bannedTermDigest, bannedTermMatcher, foldForBanning, matchesBannedDigest } from '../../shared/rules/banned-words.js';
import { checkPassword } from '../../shared/rules/password.js';

const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');
const TERMS = ['Contoso', 'Fabrikam', 'Shinjuku', 'tailspin'];

describe('custom banned words (R34)', () => {
  it('R34: folds case, width (NFKC) and the common substitutions @ 4→a, 0→o, $ 5→s, 1→l/i, 3→e, 7→t', () => {
    expect(foldForBanning('ＣＯＮＴＯＳＯ')).toBe(foldForBanning('contoso'));
    expect(foldForBanning('C0nt0$o')).toBe(foldForBanning('contoso'));
    expect(foldForBanning('F@br1k4m')).toBe(foldForBanning('Fabrikam'));
    expect(foldForBanning('Fabr1kam')).toBe(foldForBanning('Fabrlkam'));
    expect(foldForBanning('7ail5pin')).toBe(foldForBanning('tailspin'));
    expect(foldForBanning('Shinjuku3')).toBe(foldForBanning('shinjukue'));
  });

  it('R34: a password containing a term anywhere is banned; others pass', () => {
    const banned = bannedTermMatcher(TERMS);
    for (const p of ['Contoso2026!', 'my-C0NT0S0-pass', 'xx F@br1k4m xx', 'ＳＨＩＮＪＵＫＵ-99', 'T4ilsp1n#77']) expect(banned(p), p).toBe(true);
    for (const p of ['Quiet-Lantern-47!', 'Contos-o1!', 'Fabri-kam9!']) expect(banned(p), p).toBe(false);
    expect(bannedTermMatcher([])('Contoso2026!')).toBe(false);
  });

  it('R34: the client digest gives the same verdict as the list, without the terms in it', () => {
    const digest = bannedTermDigest(TERMS, 'salt-1', sha256Hex);
    const banned = bannedTermMatcher(TERMS);
    for (const p of ['Contoso2026!', 'my-C0NT0S0-pass', 'xx F@br1k4m xx', 'T4ilsp1n#77', 'Quiet-Lantern-47!', 'Contos-o1!', 'ok']) {
      expect(matchesBannedDigest(p, digest, sha256Hex), p).toBe(banned(p));
    }
    const text = JSON.stringify(digest).toLowerCase();
    for (const term of TERMS) expect(text).not.toContain(foldForBanning(term));
    expect(digest.lengths).toEqual([7, 8]);
    // Another salt, other hashes: one deployment's digest says nothing about another's.
    expect(bannedTermDigest(TERMS, 'salt-2', sha256Hex).hashes).not.toEqual(digest.hashes);
  });

  it('R34: the violation reads "contains a word your organisation does not allow", in en and ja', () => {
    const isBanned = bannedTermMatcher(TERMS);
    const en = checkPassword('Contoso-Blue-47!', DEFAULT_POLICY.password, { username: 'pat' }, { isBanned });
    expect(en).toEqual([{ rule: 'banned', message: 'It contains a word your organisation does not allow.' }]);
    const ja = checkPassword('Contoso-Blue-47!', DEFAULT_POLICY.password, { username: 'pat' }, { locale: 'ja', isBanned });
    expect(ja[0]!.message).toMatch(/禁止/);
  });

  it('R34: the policy holds up to 1,000 terms of 4–64 characters', () => {
    const withTerms = (bannedTerms: string[]) => PolicyDocument.safeParse({ ...DEFAULT_POLICY, password: { ...DEFAULT_POLICY.password, bannedTerms } }).success;
    expect(withTerms(Array.from({ length: 1000 }, (_, i) => `term${i}`))).toBe(true);
    expect(withTerms(Array.from({ length: 1001 }, (_, i) => `term${i}`))).toBe(false);
    expect(withTerms(['abc'])).toBe(false);
    expect(withTerms(['x'.repeat(65)])).toBe(false);
    // Older documents without the field stay valid.
    const { bannedTerms: _, ...older } = DEFAULT_POLICY.password;
    expect(PolicyDocument.parse({ ...DEFAULT_POLICY, password: older }).password.bannedTerms).toEqual([]);
  });
});
