import { describe, expect, it } from 'vitest';
import { PasswordStrength, SCORED_HEAD } from '../../shared/rules/password-strength.js';

const strength = new PasswordStrength();
const hex = (n: number) => Array.from({ length: n }, (_, i) => '0123456789abcdef'[(i * 7 + 3) % 16]).join('');

describe('password strength, bounded (issue 12; R18b "common")', () => {
  it('R18b: short passwords are scored by zxcvbn as they are: common ones are common, a passphrase is not', () => {
    expect('Password1!'.length).toBeLessThanOrEqual(SCORED_HEAD);
    expect(strength.isCommon('Password1!')).toBe(true);
    expect(strength.isCommon('Qwerty123!')).toBe(true);
    expect(strength.isCommon('Quiet-Harbor-Lantern-73')).toBe(false);
  });

  it('R18b: what follows the scored head adds nothing when it repeats it or runs on a sequence', () => {
    expect(strength.isCommon('Password1!'.repeat(25))).toBe(true);
    expect(strength.isCommon('ab1!'.repeat(64))).toBe(true);
    expect(strength.isCommon('abcdefghijklmnopqrstuvwxyz')).toBe(true);
    expect(strength.isCommon('1234567890'.repeat(25))).toBe(true);
    expect(strength.score('aaaaaaaaaaaa' + 'a'.repeat(244))).toBe(strength.score('aaaaaaaaaaaa'));
  });

  it('R18b: dictionary words after the head add their rank, not their length; unexplained characters add length', () => {
    // Common words chained after a weak head stay guessable; random characters make it strong.
    expect(strength.score('password1234' + 'monkeydragon')).toBeLessThan(strength.score('password1234' + 'q7#Vz!k2Lw9@'));
    expect(strength.score('password1234' + 'q7#Vz!k2Lw9@')).toBe(4);
    expect(strength.isCommon(hex(256))).toBe(false);
  });

  it('R18b: the "common" verdict, which skips zxcvbn when the tail alone is strong (issue 12), agrees with the full score', () => {
    // Weak and strong heads, followed by tails just under, at and over 10^6 guesses.
    const heads = ['password1234', 'Qwerty123!ab', 'q7#Vz!k2Lw9@', 'aaaaaaaaaaaa', '19840215abcd', 'Hanako-Sato-'];
    const tails = ['', '!', '12345', 'x7#q', 'q7#Vz!', 'q7#Vz!k', 'monkey', 'monkeydragon', 'ab1!ab1!', 'Kite-4567!', 'zq', 'zqxjwv'];
    for (const head of heads) {
      for (const tail of tails) {
        const password = head + tail;
        expect(strength.isCommon(password), password).toBe(strength.isCommon(password, [], strength.score(password)));
      }
    }
    // And the shortcut is taken: a strong tail decides although the head alone is common.
    expect(strength.isCommon('password1234' + 'q7#Vz!k')).toBe(false);
  });

  it('the name parts passed as user input count as guessable in the tail too', () => {
    expect(strength.score('Tr0ub4dor&3!hanakosato', ['hanako', 'sato'])).toBeLessThanOrEqual(strength.score('Tr0ub4dor&3!qzvkwpjxrm'));
  });
});

describe('password strength, prepared before the server listens (issue 12)', () => {
  it('R18b: prepare() builds the dictionaries once and leaves every verdict as a lazily built instance gives it', () => {
    const prepared = new PasswordStrength();
    prepared.prepare();
    prepared.prepare();
    const lazy = new PasswordStrength();
    const samples = ['Password1!', 'Quiet-Harbor-Lantern-73', 'password1234monkeydragon', hex(40), 'ab1!'.repeat(20), 'alice-in-2026', 'Zq'];
    for (const p of samples) {
      expect(prepared.isCommon(p, ['alice']), p).toBe(lazy.isCommon(p, ['alice']));
      expect(prepared.score(p, ['alice']), p).toBe(lazy.score(p, ['alice']));
    }
  });
});
