import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, PolicyDocument } from '../../shared/api/policy.js';
import { passwordExpiry, warningStep } from '../../shared/rules/expiry.js';
import { characterClassCount, checkPassword, nameParts } from '../../shared/rules/password.js';
import { availableQuestions, customQuestionId, normalizeAnswer, validateQuestionRegistration } from '../../shared/rules/security-questions.js';

const questions = { requiredToRegister: 3, requiredToReset: 3, custom: ['What was the name of our first office dog?'] };
const answers = (...xs: Array<[string, string]>) => xs.map(([questionId, answer]) => ({ questionId, answer }));
const rules = (xs: Array<{ rule: string }>) => xs.map((x) => x.rule);

describe('security questions (pure rules)', () => {
  it('R9a: custom questions are offered beside the predefined set, with stable ids; at most 20, 3–200 characters', () => {
    const list = availableQuestions(questions, 'ja');
    expect(list.at(-1)).toEqual({ id: customQuestionId(questions.custom[0]!), text: questions.custom[0] });
    expect(list.length).toBeGreaterThan(10);
    expect(customQuestionId('abc')).toBe(customQuestionId('abc'));
    expect(customQuestionId('abc')).not.toBe(customQuestionId('abd'));
    const policy = (custom: string[]) => PolicyDocument.safeParse({ ...DEFAULT_POLICY, sspr: { ...DEFAULT_POLICY.sspr, securityQuestions: { ...questions, custom } } }).success;
    expect(policy(Array.from({ length: 20 }, (_, i) => `Question number ${i}?`))).toBe(true);
    expect(policy(Array.from({ length: 21 }, (_, i) => `Question number ${i}?`))).toBe(false);
    expect(policy(['ab'])).toBe(false);
    expect(policy(['x'.repeat(201)])).toBe(false);
  });

  it('R9b: answers are 3–40 characters; one answer for two questions, or one question twice, is refused', () => {
    expect(validateQuestionRegistration(answers(['p01', 'Sapporo'], ['p02', 'Pochi'], ['p03', 'Minami']), questions).length).toBe(0);
    expect(rules(validateQuestionRegistration(answers(['p01', 'ab'], ['p02', 'Pochi'], ['p03', 'Minami']), questions))).toEqual(['answerLength']);
    expect(rules(validateQuestionRegistration(answers(['p01', 'x'.repeat(41)], ['p02', 'Pochi'], ['p03', 'Minami']), questions))).toEqual(['answerLength']);
    expect(rules(validateQuestionRegistration(answers(['p01', 'Pochi'], ['p02', ' POCHI '], ['p03', 'Minami']), questions))).toEqual(['duplicateAnswer']);
    expect(rules(validateQuestionRegistration(answers(['p01', 'Sapporo'], ['p01', 'Pochi'], ['p03', 'Minami']), questions))).toEqual(['duplicateQuestion']);
    expect(rules(validateQuestionRegistration(answers(['p01', 'Sapporo'], ['zz', 'Pochi'], ['p03', 'Minami']), questions))).toEqual(['unknownQuestion']);
  });

  it('R9c: at least the policy\'s number to register (3–5), never more than 5; reset never needs more than registration', () => {
    expect(rules(validateQuestionRegistration(answers(['p01', 'Sapporo'], ['p02', 'Pochi']), questions))).toEqual(['count']);
    const six = answers(['p01', 'aaa1'], ['p02', 'aaa2'], ['p03', 'aaa3'], ['p04', 'aaa4'], ['p05', 'aaa5'], ['p06', 'aaa6']);
    expect(rules(validateQuestionRegistration(six, questions))).toEqual(['count']);
    expect(validateQuestionRegistration(answers(['p01', 'Sapporo'], ['p02', 'Pochi'], ['p03', 'Minami']), questions, 'ja')).toEqual([]);
    const bad = { ...DEFAULT_POLICY, sspr: { ...DEFAULT_POLICY.sspr, securityQuestions: { requiredToRegister: 3, requiredToReset: 4, custom: [] } } };
    expect(PolicyDocument.safeParse(bad).success).toBe(false);
  });

  it('R9e: answers compare after NFKC, case folding and trimming (full-width ＴＯＫＹＯ equals tokyo)', () => {
    expect(normalizeAnswer('ＴＯＫＹＯ')).toBe('tokyo');
    expect(normalizeAnswer('  New   York ')).toBe('new york');
    expect(normalizeAnswer('ｻｯﾎﾟﾛ')).toBe(normalizeAnswer('サッポロ'));
    expect(normalizeAnswer('tokyo')).not.toBe(normalizeAnswer('kyoto'));
  });
});

describe('password rules (pure)', () => {
  const policy = DEFAULT_POLICY.password;
  const owner = { username: 'taro.yamada', displayName: 'Taro Yamada', email: 'taro@example.com' };

  it('R18b: length, character classes, name parts and common passwords, each reported', () => {
    expect(checkPassword('Winter-Lantern-42', policy, owner)).toEqual([]);
    expect(rules(checkPassword('Ab1!', policy, owner))).toEqual(['minLength']);
    expect(rules(checkPassword('alllowercase', policy, owner))).toEqual(['characterClasses']);
    expect(rules(checkPassword('Yamada-Harbor-9', policy, owner))).toEqual(['nameParts']);
    expect(rules(checkPassword(' Leading-Space-9', policy, owner))).toEqual(['whitespace']);
    expect(rules(checkPassword('Password1!', policy, owner, { isCommon: (p) => p === 'Password1!' }))).toEqual(['common']);
    expect(rules(checkPassword('yamada', policy, owner))).toEqual(['minLength', 'characterClasses', 'nameParts']);
    expect(checkPassword('abc', policy, owner, { locale: 'ja' })[0]!.message).toContain('8 文字以上');
  });

  it('counts caseless letters (kana, kanji) as a class, and name parts of 3+ characters', () => {
    expect(characterClassCount('さくら2026')).toBe(2);
    expect(characterClassCount('Sakura-2026')).toBe(4);
    expect(nameParts(owner)).toEqual(expect.arrayContaining(['taro', 'yamada']));
    expect(nameParts({ username: 'al', displayName: 'Al B' })).toEqual([]);
  });
});

describe('expiry (pure, with now passed in)', () => {
  const policy = DEFAULT_POLICY.password;
  const changed = new Date('2026-01-01T00:00:00Z');
  const at = (days: number) => new Date(changed.getTime() + days * 86_400_000);

  it('R16: days left rounded up; warns inside the largest threshold; the step is the smallest threshold reached', () => {
    const in3 = passwordExpiry({ lastChangedAt: changed, neverExpires: false, mustChange: false }, policy, at(87.5));
    expect(in3).toMatchObject({ daysUntilExpiry: 3, warn: true, mustChange: false });
    expect(in3.expiresAt?.toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(passwordExpiry({ lastChangedAt: changed, neverExpires: false, mustChange: false }, policy, at(70)).warn).toBe(false);
    expect(warningStep(3, policy.expiryWarningDays)).toBe(3);
    expect(warningStep(10, policy.expiryWarningDays)).toBe(14);
    expect(warningStep(20, policy.expiryWarningDays)).toBeNull();
  });

  it('R16: a password that never expires never warns; a must-change flag or an expired password must change (R15)', () => {
    expect(passwordExpiry({ lastChangedAt: changed, neverExpires: true, mustChange: false }, policy, at(200))).toEqual({ expiresAt: null, daysUntilExpiry: null, warn: false, mustChange: false });
    expect(passwordExpiry({ lastChangedAt: changed, neverExpires: false, mustChange: false }, { ...policy, maxAgeDays: 0 }, at(200)).warn).toBe(false);
    expect(passwordExpiry({ lastChangedAt: changed, neverExpires: false, mustChange: true }, policy, at(1))).toMatchObject({ warn: true, mustChange: true });
    expect(passwordExpiry({ lastChangedAt: changed, neverExpires: false, mustChange: false }, policy, at(91))).toMatchObject({ daysUntilExpiry: 0, mustChange: true });
    const ad = passwordExpiry({ lastChangedAt: changed, neverExpires: false, mustChange: false, directoryExpiresAt: at(30) }, policy, at(25));
    expect(ad.daysUntilExpiry).toBe(5);
  });
});
