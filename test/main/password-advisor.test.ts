import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/api/policy.js';
import { bannedTermDigest } from '../../shared/rules/banned-words.js';
import { PasswordAdvisor } from '../../src-main/node/password-strength.js';

const sha256Hex = (s: string) => createHash('sha256').update(s).digest('hex');

describe("the app's live password checklist (main)", () => {
  it('R34: flags a banned word from the server\'s digest alone, as the user types', () => {
    const advisor = new PasswordAdvisor();
    const digest = bannedTermDigest(['Contoso'], 'a-salt', sha256Hex);
    const hit = advisor.check('Blue-C0NT0S0-47!', DEFAULT_POLICY.password, { username: 'pat' }, 'en', digest);
    expect(hit.violations.map((v) => v.rule)).toEqual(['banned']);
    expect(hit.acceptable).toBe(false);
    expect(advisor.check('Quiet-Lantern-47!', DEFAULT_POLICY.password, { username: 'pat' }, 'en', digest).acceptable).toBe(true);
    expect(advisor.check('Blue-C0NT0S0-47!', DEFAULT_POLICY.password, { username: 'pat' }, 'en').acceptable).toBe(true);
  });
});
