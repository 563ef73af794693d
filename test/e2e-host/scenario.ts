/**
 * Test-data steps shared by the journeys and the renderer benchmark: users an administrator
 * set up (R4), an authenticator registered through the API, codes read from the SMTP peer.
 */
import type { ParsedMail } from 'mailparser';
import { Secret, TOTP } from 'otpauth';
import { codeIn, hasCode } from '../helpers/smtp-peer.js';
import type { E2eHost } from './host.js';

export const INITIAL_PASSWORD = 'Initial-Passw0rd!';

/** A built-in directory user whose recovery email an administrator set on their behalf (R4). */
export async function addResetUser(host: E2eHost, username: string, recoveryEmail = `${username}.home@example.net`, extra: { displayName?: string } = {}) {
  await host.server.addUser({ username, displayName: extra.displayName ?? username, email: `${username}@example.com`, password: INITIAL_PASSWORD });
  const r = await host.server.api('PUT', `/admin/users/${encodeURIComponent(username)}/methods`, { token: host.server.adminToken, body: { email: recoveryEmail } });
  if (r.status !== 200) throw new Error(`setting ${username}'s recovery email failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { username, recoveryEmail };
}

/** The code an authenticator app shows for `secret` at `at` (RFC 6238, SHA1, 6 digits, 30 s). */
export function totpAt(secret: string, at: Date): string {
  return new TOTP({ secret: Secret.fromBase32(secret.replace(/\s+/g, '')), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at.getTime() });
}

/** Registers and proves an authenticator app for `username` through the API; returns its secret. */
export async function registerAuthenticator(host: E2eHost, username: string, password = INITIAL_PASSWORD): Promise<string> {
  const signIn = await host.server.api('POST', '/auth/sign-in', { body: { username, password } });
  const token = signIn.body.accessToken as string;
  // R26: the user already holds an email, so this sign-in steps up first (a pass, for brevity).
  const pass = await host.server.api('POST', `/admin/users/${encodeURIComponent(username)}/access-pass`, { token: host.server.adminToken, body: {} });
  const stepUp = await host.server.api('POST', '/me/step-up/pass', { token, body: { pass: pass.body.pass } });
  if (stepUp.status !== 200) throw new Error(`step-up failed: ${stepUp.status} ${JSON.stringify(stepUp.body)}`);
  const created = await host.server.api('POST', '/me/methods', { token, body: { type: 'authenticatorCode' } });
  if (created.status !== 201) throw new Error(`authenticator registration failed: ${created.status} ${JSON.stringify(created.body)}`);
  const secret = created.body.secret as string;
  const verified = await host.server.api('POST', `/me/methods/${created.body.method.id}/verify`, { token, body: { code: totpAt(secret, host.server.clock.now()) } });
  if (verified.status !== 200) throw new Error(`authenticator verification failed: ${verified.status} ${JSON.stringify(verified.body)}`);
  return secret;
}

/** Codes from the SMTP peer: each call consumes the next mail to `address` not read before. */
export function mailbox(host: E2eHost) {
  const read = new Set<ParsedMail>();
  return {
    async nextCode(address: string): Promise<string> {
      // Notices of changes (R32) go to the same addresses; they carry no code.
      const mail = await host.server.smtp.waitFor(address, (m) => !read.has(m) && hasCode(m), 10_000);
      read.add(mail);
      return codeIn(mail.text);
    },
  };
}
