import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExpiryWarning } from '../../shared/ipc/contract.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { companionFor, type CompanionHarness } from '../helpers/companion.js';

const HOUR = 3_600_000;
let t: TestServer;
let serverOpen = true;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  if (serverOpen) await t.close();
});

/** Moves the server's and main's clocks together, one status interval at a time. */
async function advanceHours(h: CompanionHarness, hours: number) {
  for (let i = 0; i < hours; i += 4) {
    if (serverOpen) t.clock.advanceHours(4);
    await h.time.advance(4 * HOUR);
    await h.companion.status.settled();
  }
}

describe('R16 expiry warnings end to end: real server status, then offline from the keychain cache', () => {
  it('R16: warns at 14/7/3/1 once each, online then offline, and a restart does not repeat them', async () => {
    await t.addUser({ username: 'eve' });
    // Default policy: 90-day maximum age. 70 days on, 20 days remain.
    t.clock.advanceDays(70);
    const h = await companionFor(t.url, { startAt: t.clock.now() });
    await h.invoke('auth:signIn', { username: 'eve', password: 'Initial-Passw0rd!' });
    await h.companion.status.settled();
    const expiryNotes = (x: CompanionHarness) => x.notifications.filter((n) => n.tag === 'expiry');
    // R5: eve has no methods: one registration prompt, not repeated by later checks.
    expect(h.notifications).toEqual([expect.objectContaining({ tag: 'registration', screen: 'registration' })]);
    expect(h.eventsOf('status:changed').at(-1)).toMatchObject({ stale: false, status: { password: { daysUntilExpiry: 20, warningDays: [14, 7, 3, 1] } } });

    await advanceHours(h, 6 * 24);
    expect(expiryNotes(h).map((n) => n.body)).toEqual(['Your password expires in 14 days. Change it now.']);
    expect((h.eventsOf('expiry:warning').at(-1) as ExpiryWarning)).toMatchObject({ threshold: 14, stale: false });

    // The server goes away: warnings continue from the cached status.
    await t.close();
    serverOpen = false;
    await advanceHours(h, 7 * 24);
    expect(expiryNotes(h).map((n) => n.body)).toEqual([
      'Your password expires in 14 days. Change it now.',
      'Your password expires in 7 days. Change it now.',
    ]);
    expect(h.eventsOf('expiry:warning').at(-1)).toMatchObject({ daysUntilExpiry: 7, threshold: 7, stale: true });
    expect(await h.invoke('auth:session')).toMatchObject({ signedIn: true, offline: true });
    await advanceHours(h, 6 * 24);
    expect(expiryNotes(h)).toHaveLength(4);
    expect(h.notifications.filter((n) => n.tag === 'registration')).toHaveLength(1);
    expect(expiryNotes(h).at(-1)?.body).toBe('Your password expires within a day. Change it now.');
    expect((await h.companion.cache.alerts('eve')).notifiedThresholds).toEqual([14, 7, 3, 1]);
    h.companion.stop();

    if (!h.secrets.available) {
      console.log(`keychain unavailable (${h.secrets.unavailableReason}): the restart part needs a Secret Service (npm test provides one)`);
      return;
    }
    // A restart, still offline: the keychain remembers what was shown.
    const again = await companionFor(t.url, { secrets: h.secrets, startAt: h.time.now() });
    await again.companion.start();
    await again.companion.status.settled();
    expect(again.eventsOf('expiry:warning').at(-1)).toMatchObject({ daysUntilExpiry: 1, stale: true });
    expect(again.notifications).toHaveLength(0);
    again.companion.stop();
    await again.companion.cache.forgetSession('eve');
  });
});
