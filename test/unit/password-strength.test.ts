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

  it('the name parts passed as user input count as guessable in the tail too', () => {
    expect(strength.score('Tr0ub4dor&3!hanakosato', ['hanako', 'sato'])).toBeLessThanOrEqual(strength.score('Tr0ub4dor&3!qzvkwpjxrm'));
  });
});
