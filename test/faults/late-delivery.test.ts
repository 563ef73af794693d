import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type ApiResult, type TestServer } from '../helpers/test-server.js';
import { addMethod, mailedCode, methodOf, nextPhoneMessage, phoneCode, startReset } from '../helpers/reset-helpers.js';

/**
 * R43 (with R11f, R12): a hand-over the relay or gateway finishes after the delivery deadline
 * was answered `delivery_failed`, so the code it carried must never work, though it does reach
 * the person. A new method's code waits for its hand-over like a reset's, and one that is
 * refused or late is not counted. Real peers on loopback: an SMTP peer and an SMS gateway that
 * take the message at once and answer late.
 */

const DEADLINE_MS = 500;
const LATE_MS = DEADLINE_MS * 3;
const PW = 'Initial-Passw0rd!';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { SSPR_DELIVERY_TIMEOUT_MS: String(DEADLINE_MS) } });
});
afterAll(async () => {
  await t.close();
});

interface LateCounts {
  asks: number;
  deliveryFailed: number;
  lateCodesArrived: number;
  lateCodesRefused: number;
  lockedAfter: number;
}
const report: Record<string, LateCounts> = {};
afterAll(() => {
  for (const [fault, c] of Object.entries(report)) console.log(`[faults] ${fault}: ${JSON.stringify(c)}`);
});

function expectDeliveryFailed(r: ApiResult, method: string) {
  expect(r.status, JSON.stringify(r.body)).toBe(503);
  expect(r.body).toMatchObject({ code: 'delivery_failed', method });
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
}

async function signedIn(username: string): Promise<string> {
  await t.addUser({ username, email: `${username}@corp.example` });
  const r = await t.api('POST', '/auth/sign-in', { body: { username, password: PW } });
  expect(r.status).toBe(200);
  return r.body.accessToken as string;
}

describe('R43: a code handed over after its deadline never works (R11f, R12)', () => {
  it.each(['email', 'mobilePhone'] as const)('reset (%s): a slow SMTP relay and a slow SMS gateway deliver the code late; it is refused, and a fresh code works', { timeout: 120_000 }, async (kind) => {
    const c: LateCounts = { asks: 0, deliveryFailed: 0, lateCodesArrived: 0, lateCodesRefused: 0, lockedAfter: 0 };
    report[`late ${kind === 'email' ? 'SMTP relay' : 'SMS gateway'} (reset)`] = c;
    const username = `late-reset-${kind}`;
    const address = `${username}.private@mail.example`;
    const number = '+81 9055556666';
    const user = await t.addUser({ username, email: `${username}@corp.example` });
    await addMethod(t, user, kind, (kind === 'email' ? { address } : { number }) as never, 'hint');
    const s = await startReset(t, username);
    const body = { methodId: methodOf(s, kind), ...(kind === 'mobilePhone' ? { channel: 'sms' } : {}) };
    const before = kind === 'email' ? t.smtp.mails.length : t.gateway.messages.length;
    if (kind === 'email') t.smtp.delayMs = LATE_MS;
    else t.gateway.delayMs = LATE_MS;
    c.asks++;
    const ch = await t.api('POST', '/reset/session/challenges', { token: s.sessionToken, body });
    expectDeliveryFailed(ch, kind);
    c.deliveryFailed++;
    // The message did go out: the person holds a code they were told was not sent.
    const late = kind === 'email' ? await mailedCode(t, address, before) : phoneCode(await nextPhoneMessage(t, number, before));
    c.lateCodesArrived++;
    await sleep(LATE_MS);
    expect((await t.api('GET', '/reset/session', { token: s.sessionToken })).body.state).toBe('verifying');
    // The app was told nothing was sent, so it has no challenge id; a caller who guesses it gets nothing either.
    const { id } = await t.server.services.db.selectFrom('challenges').select('id').where('method_id', '=', body.methodId).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
    const tried = await t.api('POST', `/reset/session/challenges/${id}/verify`, { token: s.sessionToken, body: { code: late } });
    expect(tried.status, JSON.stringify(tried.body)).toBeGreaterThanOrEqual(400);
    expect(tried.status).toBeLessThan(500);
    expect(tried.body.code).toBe('challenge_expired');
    c.lateCodesRefused++;
    t.smtp.delayMs = 0;
    t.gateway.delayMs = 0;
    const again = kind === 'email' ? t.smtp.mails.length : t.gateway.messages.length;
    const fresh = await t.api('POST', '/reset/session/challenges', { token: s.sessionToken, body });
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(201);
    const code = kind === 'email' ? await mailedCode(t, address, again) : phoneCode(await nextPhoneMessage(t, number, again));
    expect((await t.api('POST', `/reset/session/challenges/${fresh.body.challengeId}/verify`, { token: s.sessionToken, body: { code } })).status).toBe(200);
  });

  it.each(['email', 'mobilePhone'] as const)('registration (%s): a new email or phone whose code is late or refused answers delivery_failed, is not kept, not counted, and its late code proves nothing', { timeout: 120_000 }, async (kind) => {
    const c: LateCounts = { asks: 0, deliveryFailed: 0, lateCodesArrived: 0, lateCodesRefused: 0, lockedAfter: 0 };
    report[`late and refused ${kind === 'email' ? 'SMTP relay' : 'SMS gateway'} (registration)`] = c;
    const username = `late-reg-${kind}`;
    const token = await signedIn(username);
    const address = `${username}.home@mail.example`;
    const number = '+81 9077778888';
    const body = kind === 'email' ? { type: 'email', address } : { type: 'mobilePhone', number };
    const sent = () => (kind === 'email' ? t.smtp.mails.length : t.gateway.messages.length);

    // Late: the code arrives, the answer said it did not.
    const before = sent();
    if (kind === 'email') t.smtp.delayMs = LATE_MS;
    else t.gateway.delayMs = LATE_MS;
    c.asks++;
    expectDeliveryFailed(await t.api('POST', '/me/methods', { token, body }), kind);
    c.deliveryFailed++;
    const late = kind === 'email' ? await mailedCode(t, address, before) : phoneCode(await nextPhoneMessage(t, number, before));
    c.lateCodesArrived++;
    await sleep(LATE_MS);
    expect((await t.api('GET', '/me/methods', { token })).body.methods, 'the unproved method is not kept').toEqual([]);
    t.smtp.delayMs = 0;
    t.gateway.delayMs = 0;

    // Refused, more often than R11b / R11c allow sends: none of it is counted.
    if (kind === 'email') t.smtp.refuse = true;
    else t.gateway.status = 500;
    for (let i = 0; i < 12; i++) {
      c.asks++;
      expectDeliveryFailed(await t.api('POST', '/me/methods', { token, body }), kind);
      c.deliveryFailed++;
    }
    t.smtp.refuse = false;
    t.gateway.status = 202;

    const again = sent();
    const reg = await t.api('POST', '/me/methods', { token, body });
    if (reg.body?.code === 'locked_out') c.lockedAfter++;
    expect(reg.status, `undelivered codes are not counted: ${JSON.stringify(reg.body)}`).toBe(201);
    const code = kind === 'email' ? await mailedCode(t, address, again) : phoneCode(await nextPhoneMessage(t, number, again));
    if (code !== late) {
      const tried = await t.api('POST', `/me/methods/${reg.body.method.id}/verify`, { token, body: { code: late } });
      expect(tried.body.code, 'the late code proves nothing').toBe('invalid_code');
      c.lateCodesRefused++;
    }
    const ok = await t.api('POST', `/me/methods/${reg.body.method.id}/verify`, { token, body: { code } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const audit = await t.server.services.db.selectFrom('audit_events').select('detail').where('username', '=', username).where('type', '=', 'registration.add').where('result', '=', 'failure').execute();
    expect(audit.length).toBe(13);
    expect(audit.every((a) => JSON.stringify(a.detail).includes('delivery_failed'))).toBe(true);
  });
});
