import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'vitest';
import type { TestServer } from './test-server.js';
import { methodOf, nextPhoneMessage, passEmailGate, phoneCode } from './reset-helpers.js';

/** The password `TestServer.addUser` gives every user. */
export const INITIAL_PASSWORD = 'Initial-Passw0rd!';

/** Signs `username` in with their password: the access and refresh tokens. */
export async function signIn(t: TestServer, username: string, password = INITIAL_PASSWORD) {
  const r = await t.api('POST', '/auth/sign-in', { body: { username, password } });
  expect(r.status).toBe(200);
  return { access: r.body.accessToken as string, refresh: r.body.refreshToken as string };
}

/** A fresh push device key, as the companion registers it (Ed25519, SPKI, base64). */
export const pushKey = () => generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

/** Every mail to `to` that arrived after `before` mails had. */
export const mailsTo = (t: TestServer, to: string, before: number) => t.smtp.mails.slice(before).filter((m) => JSON.stringify(m.to).toLowerCase().includes(to.toLowerCase()));

/** R26: this sign-in proves the user's email method, then may change methods for ten minutes. */
export async function stepUpByEmail(t: TestServer, token: string, address: string) {
  const started = await t.api('POST', '/me/step-up', { token });
  expect(started.status).toBe(201);
  expect((await passEmailGate(t, started.body.sessionToken, methodOf(started.body, 'email'), address)).status).toBe(200);
  const done = await t.api('POST', '/me/step-up/complete', { token, body: { sessionToken: started.body.sessionToken } });
  expect(done.status).toBe(200);
  return done.body;
}

/** R26: the same with a text message to the user's mobile phone. */
export async function stepUpByPhone(t: TestServer, token: string, number: string) {
  const started = await t.api('POST', '/me/step-up', { token });
  expect(started.status).toBe(201);
  const before = t.gateway.messages.length;
  const ch = await t.api('POST', '/reset/session/challenges', { token: started.body.sessionToken, body: { methodId: methodOf(started.body, 'mobilePhone') } });
  expect(ch.status).toBe(201);
  const code = phoneCode(await nextPhoneMessage(t, number, before));
  expect((await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: started.body.sessionToken, body: { code } })).status).toBe(200);
  const done = await t.api('POST', '/me/step-up/complete', { token, body: { sessionToken: started.body.sessionToken } });
  expect(done.status).toBe(200);
  return done.body;
}

/** R31: the bootstrap administrator issues a Temporary Access Pass for `username`. */
export async function issuePass(t: TestServer, username: string, body: { lifetimeMinutes?: number; oneTime?: boolean } = {}, adminToken = t.adminToken): Promise<string> {
  const issued = await t.api('POST', `/admin/users/${encodeURIComponent(username)}/access-pass`, { token: adminToken, body });
  expect(issued.status).toBe(201);
  return issued.body.pass as string;
}

/** R31: this sign-in steps up with a fresh pass. */
export async function stepUpWithPass(t: TestServer, token: string, username: string) {
  const pass = await issuePass(t, username);
  const done = await t.api('POST', '/me/step-up/pass', { token, body: { pass } });
  expect(done.status).toBe(200);
  return done.body;
}
