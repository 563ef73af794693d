import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { userWithEmail } from '../helpers/reset-helpers.js';
import { companionFor } from '../helpers/companion.js';

/**
 * A busy server asks for a proof-of-work at identify and sign-in. Main solves it in a
 * worker thread and asks again; the renderer is told while it runs (it shows a progress
 * line), and nothing else changes for the person.
 */
describe('proof-of-work, solved by main against the real server (SSPR_PROOF_OF_WORK=always)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { SSPR_RATE_LIMITS: 'on', SSPR_PROOF_OF_WORK: 'always' } });
  });
  afterAll(() => t.close());

  it('identify goes through after the check, and the UI hears when it starts and ends', async () => {
    await userWithEmail(t, 'mei');
    const h = await companionFor(t.url, { startAt: t.clock.now() });
    try {
      const started = await h.invoke('reset:start', { username: 'mei' });
      expect(started).toMatchObject({ state: 'verifying', gatesPassed: 0 });
      expect(h.eventsOf('proof:solving')).toEqual([{ active: true }, { active: false }]);
    } finally {
      h.companion.stop();
    }
  });

  it('sign-in too; a wrong password is still just a wrong password', async () => {
    await t.addUser({ username: 'riku', password: 'Initial-Passw0rd!' });
    const h = await companionFor(t.url, { startAt: t.clock.now() });
    try {
      const wrong = await h.invokeError('auth:signIn', { username: 'riku', password: 'Not-his-passw0rd' });
      expect(wrong.code).toBe('unauthorized');
      expect((await h.invoke('auth:signIn', { username: 'riku', password: 'Initial-Passw0rd!' })).signedIn).toBe(true);
      expect(h.eventsOf('proof:solving').filter((e) => e.active)).toHaveLength(2);
    } finally {
      await h.invoke('auth:signOut').catch(() => undefined);
      h.companion.stop();
    }
  });
});
