import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectHistoryKeptAndTrimmed } from '../helpers/password-history.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const PW = 'Initial-Passw0rd!';
const NEW = 'Quiet-Lantern-47!';
let t: TestServer;
let n = 0;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

async function signedIn(extra: { displayName?: string; email?: string } = {}) {
  const username = `pat${++n}`;
  const user = await t.addUser({ username, ...extra });
  const r = await t.api('POST', '/auth/sign-in', { body: { username, password: PW } });
  expect(r.status).toBe(200);
  return { user, username, token: r.body.accessToken as string, refreshToken: r.body.refreshToken as string };
}

function change(token: string, currentPassword: string, newPassword: string, headers: Record<string, string> = {}) {
  return t.api('POST', '/me/password', { token, body: { currentPassword, newPassword }, headers });
}

async function lastAudit(type: string, user: string) {
  return t.server.services.db.selectFrom('audit_events').selectAll().where('type', '=', type).where('username', '=', user).orderBy('id', 'desc').executeTakeFirst();
}

describe('POST /me/password', () => {
  it('R15, R18a, R22: changes the password, revokes every session, audits and tells the user', async () => {
    const { username, token, refreshToken } = await signedIn({ email: 'pat.changer@example.com' });
    const r = await change(token, PW, NEW);
    expect(r.status).toBe(200);
    expect(r.body.changedAt).toBe(t.clock.now().toISOString());
    // Applied at once: the new password signs in, the old one does not.
    expect((await t.api('POST', '/auth/sign-in', { body: { username, password: NEW } })).status).toBe(200);
    expect((await t.api('POST', '/auth/sign-in', { body: { username, password: PW } })).status).toBe(401);
    // Older access and refresh tokens stopped working.
    expect((await t.api('GET', '/me/status', { token })).status).toBe(401);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken } })).status).toBe(401);
    expect(await lastAudit('password.change', username)).toMatchObject({ result: 'success' });
    const mail = await t.smtp.waitFor('pat.changer@example.com');
    expect(mail.subject).toMatch(/changed/);
    expect(mail.text).not.toContain(NEW);
  });

  it('R18b: the product policy answers password_policy with every violation, localised', async () => {
    const { token } = await signedIn({ displayName: 'Hanako Yamada' });
    const r = await change(token, PW, 'yamada', { 'accept-language': 'ja' });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('password_policy');
    const rules = r.body.violations.map((v: { rule: string }) => v.rule);
    expect(rules).toEqual(expect.arrayContaining(['minLength', 'characterClasses', 'nameParts']));
    expect(r.body.violations[0].message).toMatch(/文字/);
  });

  it('R18b: the directory\'s own refusal (history) is shown as it is', async () => {
    const { username, token } = await signedIn();
    expect((await change(token, PW, NEW)).status).toBe(200);
    const again = (await t.api('POST', '/auth/sign-in', { body: { username, password: NEW } })).body.accessToken;
    const back = await change(again, NEW, PW);
    expect(back.status).toBe(422);
    expect(back.body.code).toBe('password_policy');
    expect(back.body.violations).toEqual([expect.objectContaining({ rule: 'history' })]);
  });

  it('R18b: the current password in another Unicode spelling (one text to scrypt, NFC) is refused as history', async () => {
    // The change compares the two texts instead of scrypting the new one against the current hash: the answer must not change.
    const decomposed = 'Cafe\u0301-Lantern-47!';
    const username = `pat${++n}`;
    await t.addUser({ username, password: decomposed });
    const token = (await t.api('POST', '/auth/sign-in', { body: { username, password: decomposed } })).body.accessToken as string;
    const r = await change(token, decomposed, 'Caf\u00e9-Lantern-47!');
    expect(r.status).toBe(422);
    expect(r.body.violations).toEqual([expect.objectContaining({ rule: 'history' })]);
  });

  it('R18b: the built-in history keeps each replaced hash, the 24 newest; an account gone meanwhile gets nothing written (issue 12)', async () => {
    await expectHistoryKeptAndTrimmed(t, `pat${++n}`);
  });

  it('R15: a wrong current password answers forbidden (the token stays good) and is audited', async () => {
    const { username, token } = await signedIn();
    const r = await change(token, 'Not-My-Passw0rd!', NEW);
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('forbidden');
    expect(r.body.detail).toBe('The current password is not correct.');
    expect((await t.api('GET', '/me/status', { token })).status).toBe(200);
    expect(await lastAudit('password.change', username)).toMatchObject({ result: 'failure', detail: JSON.stringify({ reason: 'currentPassword' }) });
  });

  it('wrong current passwords count towards the directory lockout like wrong sign-ins', async () => {
    const { token } = await signedIn();
    for (let i = 0; i < 10; i++) expect((await change(token, `Wrong-Passw0rd-${i}`, NEW)).status).toBe(403);
    const r = await change(token, PW, NEW);
    expect(r.status).toBe(423);
    expect(r.body.code).toBe('locked_out');
    expect(r.body.detail).toMatch(/Forgot password/);
  });
});
