import type { ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { hasCode } from '../helpers/smtp-peer.js';
import { methodOf, NEW_PASSWORD, passEmailGate, startReset, userWithEmail } from '../helpers/reset-helpers.js';

/**
 * R22, R32: a password change or reset is told to the account's address and every verified
 * email method (never an unverified one), localised, over a real SMTP peer, with no secret.
 */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

/** A user with an account address, a verified email method and an unverified one (anyone's claim). */
async function userWithAddresses(username: string) {
  const { user, address } = await userWithEmail(t, username);
  const unverified = `${username}.claimed@attacker.example`;
  await t.server.services.methods.insert(t.server.services.db, { subjectId: user.id, type: 'email', source: 'user', verified: false, hint: 'u•••@attacker.example', data: { address: unverified } });
  return { user, account: `${username}@corp.example`, verified: address, unverified };
}

const sentTo = (m: ParsedMail, address: string) => JSON.stringify(m.to).toLowerCase().includes(address.toLowerCase());

/** The notices (mails without a code) that arrived after `before`, once `count` of them are in. */
async function noticesAfter(before: number, count: number): Promise<ParsedMail[]> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const notices = t.smtp.mails.slice(before).filter((m) => !hasCode(m));
    if (notices.length >= count) return notices;
    if (Date.now() > deadline) throw new Error(`only ${notices.length} of ${count} notices`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function expectNoticeSet(notices: ParsedMail[], addrs: { account: string; verified: string; unverified: string }, subject: RegExp, secrets: string[]) {
  expect(notices.some((m) => sentTo(m, addrs.account))).toBe(true);
  expect(notices.some((m) => sentTo(m, addrs.verified))).toBe(true);
  expect(notices.some((m) => sentTo(m, addrs.unverified))).toBe(false);
  for (const m of notices) {
    expect(m.subject).toMatch(subject);
    for (const s of secrets) expect(`${m.subject}\n${m.text}`).not.toContain(s);
  }
}

describe('password notices reach every verified address (R22, R32)', () => {
  it('R32: a password change, in Japanese for a Japanese client', async () => {
    const addrs = await userWithAddresses('notice-change');
    const signIn = await t.api('POST', '/auth/sign-in', { body: { username: 'notice-change', password: 'Initial-Passw0rd!' } });
    const before = t.smtp.mails.length;
    const changed = await t.api('POST', '/me/password', { token: signIn.body.accessToken, headers: { 'accept-language': 'ja' }, body: { currentPassword: 'Initial-Passw0rd!', newPassword: NEW_PASSWORD } });
    expect(changed.status).toBe(200);
    const notices = await noticesAfter(before, 2);
    expectNoticeSet(notices, addrs, /パスワードが変更されました/, [NEW_PASSWORD, 'Initial-Passw0rd!', signIn.body.accessToken]);
  });

  it('R32: a self-service reset (queued with the reset, sent over SMTP)', async () => {
    const addrs = await userWithAddresses('notice-reset');
    const session = await startReset(t, 'notice-reset');
    expect((await passEmailGate(t, session.sessionToken, methodOf(session, 'email'), addrs.verified)).status).toBe(200);
    const before = t.smtp.mails.length;
    expect((await t.api('POST', '/reset/session/password', { token: session.sessionToken, body: { newPassword: NEW_PASSWORD, unlockAccount: true } })).status).toBe(200);
    const notices = await noticesAfter(before, 2);
    expectNoticeSet(notices, addrs, /Your password was reset/, [NEW_PASSWORD, session.sessionToken]);
  });

  it('R32: an administrator\'s reset of the user\'s password', async () => {
    const addrs = await userWithAddresses('notice-admin-reset');
    const before = t.smtp.mails.length;
    expect((await t.api('PATCH', '/admin/users/notice-admin-reset', { token: t.adminToken, body: { password: NEW_PASSWORD } })).status).toBe(200);
    const notices = await noticesAfter(before, 2);
    expectNoticeSet(notices, addrs, /Your password was reset/, [NEW_PASSWORD]);
    expect(notices[0]!.text).toContain('(administrator)');
  });
});
