import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodType } from '../../shared/api/common.js';
import { featuresOf } from '../../src-server/methods/decoy-population.js';
import { maskEmail, maskPhone } from '../../src-server/methods/masking.js';
import { trainAndTest, type Sample } from '../helpers/frequency-classifier.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * R13b, measured: a realistic population of 1,000 users (company and private mail, Japan,
 * the UK and the US, phone-only people, 3–5 questions, administrators) and 1,000 unknown
 * names. A classifier trained on half of their identify answers must not beat chance by
 * more than a few points on the other half.
 */
const REAL = 1000;
const UNKNOWN = 1000;
const rand = (i: number, salt: string) => createHash('sha256').update(`${salt}:${i}`).digest().readUInt32BE(0) / 2 ** 32;
const pick = <T>(xs: readonly T[], i: number, salt: string) => xs[Math.floor(rand(i, salt) * xs.length)]!;

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
  const { db, methods } = t.server.services;
  for (let i = 0; i < REAL; i++) {
    const isAdmin = i % 50 === 0;
    const user = await t.addUser({ username: `emp${i}`, email: `emp${i}@corp.example`, isAdmin });
    const add = (type: MethodType, hint: string, data: never) => methods.insert(db, { subjectId: user.id, type, source: 'user', verified: true, hint, data });
    const country = pick(['+81', '+81', '+81', '+44', '+1'], i, 'cc');
    const phone = `${country} 90${String(Math.floor(rand(i, 'num') * 1e8)).padStart(8, '0')}`;
    const mail = `${pick(['a', 'h', 'k', 's', 't', 'y', 'm', 'r'], i, 'ini')}${i}@${pick(['corp.example', 'corp.example', 'gmail.com', 'yahoo.co.jp', 'outlook.com', `home${i}.example`], i, 'dom')}`;
    const shape = isAdmin ? pick(['email+totp', 'phone+totp'], i, 'adm') : pick(['email', 'email', 'phone', 'email+phone', 'email+questions', 'phone+questions', 'totp+email', 'push'], i, 'shape');
    if (shape.includes('email')) await add('email', maskEmail(mail), { address: mail } as never);
    if (shape.includes('phone')) await add('mobilePhone', maskPhone(phone), { number: phone } as never);
    if (shape.includes('questions')) {
      const n = 3 + Math.floor(rand(i, 'q') * 3);
      await add('securityQuestions', `${n} questions`, { questions: Array.from({ length: n }, (_, k) => ({ questionId: `q${k}`, answerHash: 'x' })) } as never);
    }
    if (shape.includes('totp')) await add('authenticatorCode', 'Authenticator app', { secret: 'JBSWY3DPEHPK3PXP', algorithm: 'SHA1', digits: 6, period: 30 } as never);
    if (shape.includes('push')) await add('authenticatorPush', pick(['iPhone 15', 'Pixel 8', 'Galaxy S24'], i, 'dev'), { publicKey: 'k', deviceName: 'd' } as never);
  }
  await t.server.decoyPopulation.runOnce();
}, 300_000);

afterAll(() => t?.close());

async function answer(username: string): Promise<string[]> {
  const r = await t.api('POST', '/reset/sessions', { body: { username } });
  expect(r.status).toBe(201);
  const methods = r.body.methods as Array<{ type: MethodType; hint: string }>;
  return [...featuresOf(methods).map(([f, v]) => `${f}=${v}`), `required=${r.body.requiredMethods}`, `count=${methods.length}`];
}

describe('R13b: identify answers of real users and unknown names, to a classifier', () => {
  it('a per-feature frequency classifier does not beat chance by more than a few points', async () => {
    const samples: Sample[] = [];
    for (let i = 0; i < REAL; i++) samples.push({ real: true, features: await answer(`emp${i}`) });
    for (let i = 0; i < UNKNOWN; i++) samples.push({ real: false, features: await answer(`${pick(['j.doe', 'user', 'tanaka', 'emp'], i, 'u')}${i + 5000}`) });
    const order = samples.map((s, i) => ({ s, k: rand(i, 'split') })).sort((a, b) => a.k - b.k).map((x) => x.s);
    const { accuracy } = trainAndTest(order.slice(0, order.length / 2), order.slice(order.length / 2));
    console.log(`R13b classifier on the held-out half: ${(accuracy * 100).toFixed(1)} % (chance 50 %)`);
    expect(accuracy).toBeLessThan(0.56);
  }, 300_000);

  it('an unknown name shows the same decoy each time, under its aliases too', async () => {
    const a = await t.api('POST', '/reset/sessions', { body: { username: 'nobody-here' } });
    const b = await t.api('POST', '/reset/sessions', { body: { username: 'NOBODY-here' } });
    expect(b.body.methods.map((m: { type: string; hint: string }) => [m.type, m.hint])).toEqual(a.body.methods.map((m: { type: string; hint: string }) => [m.type, m.hint]));
  });
});
