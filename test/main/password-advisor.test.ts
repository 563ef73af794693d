import { createHash } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/api/policy.js';
import { bannedTermDigest } from '../../shared/rules/banned-words.js';
import { PasswordStrength } from '../../shared/rules/password-strength.js';
import { ADVISOR_PREPARE_DELAY_MS } from '../../src-main/node/companion.js';
import { PasswordAdvisor } from '../../src-main/node/password-strength.js';
import { companionFor } from '../helpers/companion.js';

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

describe("the checklist's dictionaries, built after start (R18b advice)", () => {
  it('are built once, ADVISOR_PREPARE_DELAY_MS after the companion starts, not at the first keystroke; a stop before then cancels it', async () => {
    const prepare = vi.spyOn(PasswordStrength.prototype, 'prepare');
    try {
      const h = await companionFor(null, { managed: { kioskMode: true } });
      await h.companion.start();
      expect(prepare).not.toHaveBeenCalled();
      await h.time.advance(ADVISOR_PREPARE_DELAY_MS - 1);
      expect(prepare).not.toHaveBeenCalled();
      await h.time.advance(1);
      expect(prepare).toHaveBeenCalledTimes(1);
      await h.time.advance(ADVISOR_PREPARE_DELAY_MS * 10);
      expect(prepare).toHaveBeenCalledTimes(1);
      h.companion.stop();

      const stopped = await companionFor(null, { managed: { kioskMode: true } });
      await stopped.companion.start();
      stopped.companion.stop();
      await stopped.time.advance(ADVISOR_PREPARE_DELAY_MS * 2);
      expect(prepare).toHaveBeenCalledTimes(1);
    } finally {
      prepare.mockRestore();
    }
  });
});
