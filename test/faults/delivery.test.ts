import { afterAll, describe, expect, it } from 'vitest';
import { closedPort } from '../helpers/free-port.js';
import { startSilentPeer, type SilentPeer } from '../helpers/silent-peer.js';
import { startTestServer, type ApiResult, type TestServer } from '../helpers/test-server.js';
import { addMethod, mailedCode, methodOf, NEW_PASSWORD, startReset } from '../helpers/reset-helpers.js';

/**
 * Issue 10 item 3 (R11b, R11c, R12, R13b): a code the SMTP relay or SMS gateway does not take
 * in time answers `delivery_failed` (503, Retry-After, the method named), does not count
 * toward R11b/R11c, and an unknown name answers alike. Real peers on loopback: refusing,
 * slow (a peer that never answers) and down (a closed port).
 */

/** More asks than R11b/R11c allow in their windows: counted, they would lock the user out. */
const ASKS = Math.min(Math.max(Number(process.env.SSPR_FAULT_ROUNDS ?? 1), 1), 20) * 12;
const DEADLINE_MS = 600;

interface FaultCounts {
  asks: number;
  deliveryFailed: number;
  decoyDeliveryFailed: number;
  other5xx: number;
  lockedAfter: number;
  resetAfterRecovery: number;
}
const report: Record<string, FaultCounts> = {};
afterAll(() => {
  for (const [fault, c] of Object.entries(report)) console.log(`[faults] ${fault}: ${JSON.stringify(c)}`);
});

const servers: TestServer[] = [];
const peers: SilentPeer[] = [];
afterAll(async () => {
  for (const t of servers) await t.close();
  for (const p of peers) await p.close();
});

function expectDeliveryFailed(r: ApiResult, method: string) {
  expect(r.status, JSON.stringify(r.body)).toBe(503);
  expect(r.body.code).toBe('delivery_failed');
  expect(r.body.method).toBe(method);
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
}

/**
 * `ASKS` challenges for a real user and for an unknown name while the fault holds; then the
 * fault ends and the same session goes through (nothing was counted).
 */
async function underFault(t: TestServer, name: string, kind: 'email' | 'mobilePhone', heal: () => void) {
  const c: FaultCounts = { asks: 0, deliveryFailed: 0, decoyDeliveryFailed: 0, other5xx: 0, lockedAfter: 0, resetAfterRecovery: 0 };
  report[name] = c;
  const username = `df-${kind}-${Object.keys(report).length}`;
  const user = await t.addUser({ username, email: `${username}@corp.example` });
  await addMethod(t, user, kind, kind === 'email' ? { address: `${username}.private@mail.example` } : { number: '+81 9012345678' }, 'hint');
  const real = await startReset(t, username);
  const decoy = await startReset(t, `nobody-${username}`);
  for (let i = 0; i < ASKS; i++) {
    c.asks++;
    const r = await t.api('POST', '/reset/session/challenges', { token: real.sessionToken, body: { methodId: methodOf(real, kind), ...(kind === 'mobilePhone' ? { channel: 'sms' } : {}) } });
    expectDeliveryFailed(r, kind);
    c.deliveryFailed++;
    const d = await t.api('POST', '/reset/session/challenges', { token: decoy.sessionToken, body: { methodId: decoy.methods[0]!.id, ...(decoy.methods[0]!.type === 'mobilePhone' || decoy.methods[0]!.type === 'officePhone' ? { channel: 'sms' } : {}) } });
    if (d.body?.code === 'delivery_failed') c.decoyDeliveryFailed++;
    else if (d.status >= 500) c.other5xx++;
  }
  heal();
  const state = await t.api('GET', '/reset/session', { token: real.sessionToken });
  if (state.body.state === 'locked') c.lockedAfter++;
  expect(state.body.state, 'R11b / R11c: undelivered codes are not counted').toBe('verifying');
  const before = kind === 'email' ? t.smtp.mails.length : t.gateway.messages.length;
  const ch = await t.api('POST', '/reset/session/challenges', { token: real.sessionToken, body: { methodId: methodOf(real, kind), ...(kind === 'mobilePhone' ? { channel: 'sms' } : {}) } });
  expect(ch.status, JSON.stringify(ch.body)).toBe(201);
  const code = kind === 'email' ? await mailedCode(t, `${username}.private@mail.example`, before) : /(\d{6})/.exec((await t.gateway.waitFor('+81 9012345678')).text)![1]!;
  const v = await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: real.sessionToken, body: { code } });
  expect(v.status).toBe(200);
  const set = await t.api('POST', '/reset/session/password', { token: real.sessionToken, body: { newPassword: NEW_PASSWORD, unlockAccount: false } });
  expect(set.status).toBe(200);
  c.resetAfterRecovery++;
  // R13b: while the relay fails, unknown names fail alike (drawn from the real hand-overs).
  expect(c.decoyDeliveryFailed).toBeGreaterThan(ASKS / 2);
  expect(c.other5xx).toBe(0);
}

describe('R11f: delivery faults (R11b, R11c, R12, R13b)', () => {
  it('SMTP relay refusing, SMS gateway refusing (500) and slow: delivery_failed, not counted, then the reset goes through', { timeout: 240_000 }, async () => {
    const t = await startTestServer({ env: { SSPR_DELIVERY_TIMEOUT_MS: String(DEADLINE_MS) } });
    servers.push(t);
    t.smtp.refuse = true;
    await underFault(t, 'SMTP relay refusing', 'email', () => (t.smtp.refuse = false));
    t.gateway.status = 500;
    await underFault(t, 'SMS gateway refusing (500)', 'mobilePhone', () => (t.gateway.status = 202));
    t.gateway.delayMs = DEADLINE_MS * 3;
    const started = Date.now();
    await underFault(t, 'SMS gateway slow', 'mobilePhone', () => (t.gateway.delayMs = 0));
    // Each slow ask ends at the deadline, not the gateway's pace.
    expect((Date.now() - started) / (2 * ASKS)).toBeLessThan(DEADLINE_MS * 2.5);
  });

  it('SMTP relay slow (never answers) and SMS gateway down (closed port): delivery_failed within the deadline', { timeout: 240_000 }, async () => {
    const silent = await startSilentPeer();
    peers.push(silent);
    const closed = await closedPort();
    const t = await startTestServer({
      env: { SSPR_DELIVERY_TIMEOUT_MS: String(DEADLINE_MS), SSPR_SMTP_URL: `smtp://127.0.0.1:${silent.port}`, SSPR_SMS_WEBHOOK_URL: `http://127.0.0.1:${closed}/messages` },
    });
    servers.push(t);
    const c: FaultCounts = { asks: 0, deliveryFailed: 0, decoyDeliveryFailed: 0, other5xx: 0, lockedAfter: 0, resetAfterRecovery: 0 };
    report['SMTP relay slow + SMS gateway down'] = c;
    for (const [kind, data] of [['email', { address: 'slow.private@mail.example' }], ['mobilePhone', { number: '+81 9000001111' }]] as const) {
      const username = `df-down-${kind}`;
      const user = await t.addUser({ username, email: `${username}@corp.example` });
      await addMethod(t, user, kind, data as never, 'hint');
      const s = await startReset(t, username);
      for (let i = 0; i < Math.min(ASKS, 8); i++) {
        c.asks++;
        const began = Date.now();
        const r = await t.api('POST', '/reset/session/challenges', { token: s.sessionToken, body: { methodId: methodOf(s, kind), ...(kind === 'mobilePhone' ? { channel: 'sms' } : {}) } });
        expectDeliveryFailed(r, kind);
        expect(Date.now() - began).toBeLessThan(DEADLINE_MS + 2000);
        c.deliveryFailed++;
      }
      const state = await t.api('GET', '/reset/session', { token: s.sessionToken });
      expect(state.body.state).toBe('verifying');
    }
    expect(c.other5xx).toBe(0);
  });
});
