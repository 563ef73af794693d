import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { createHash } from 'node:crypto';
import { mailedCode, nextMail, userWithEmail } from '../helpers/reset-helpers.js';
import { issuePass, stepUpByEmail, INITIAL_PASSWORD, mailsTo as mailsToAt, pushKey, signIn as signInAs } from '../helpers/step-up-helpers.js';

let t: TestServer;
const PW = INITIAL_PASSWORD;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

const signIn = async (username: string) => (await signInAs(t, username)).access;
const mailsTo = (to: string, before: number) => mailsToAt(t, to, before);

describe('Temporary Access Pass (R31)', () => {
  it('R31: issued once, kept as a hash, one use, audited under the administrator, the user told by email', async () => {
    await t.addUser({ username: 'emi', email: 'emi@corp.example' });
    const before = t.smtp.mails.length;
    const issued = await t.api('POST', '/admin/users/emi/access-pass', { token: t.adminToken, body: {} });
    expect(issued.status).toBe(201);
    expect(issued.body.pass).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect(issued.body).toMatchObject({ oneTime: true, expiresAt: new Date(t.clock.now().getTime() + 3_600_000).toISOString() });
    const pass = issued.body.pass as string;

    // Hash at rest: the store never holds the pass.
    const rows = await t.server.services.db.selectFrom('access_passes').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(pass);
    expect(JSON.stringify(rows)).not.toContain(pass.replace(/-/g, ''));
    expect(rows.at(-1)!.pass_hash).toBe(createHash('sha256').update(pass.replace(/-/g, '')).digest('base64url'));

    const audit = await t.server.services.db.selectFrom('audit_events').selectAll().where('type', '=', 'admin.accesspass').where('username', '=', 'emi').executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ actor: 'bootstrap', result: 'success' });
    expect(audit.detail).not.toContain(pass);

    const notice = await nextMail(t, 'emi@corp.example', before);
    expect(notice.subject).toMatch(/Temporary Access Pass/);
    expect(notice.text).not.toContain(pass);

    const token = await signIn('emi');
    expect((await t.api('POST', '/me/step-up/pass', { token, body: { pass } })).status).toBe(200);
    const again = await t.api('POST', '/me/step-up/pass', { token, body: { pass } });
    expect(again.body.code).toBe('invalid_code');
  });

  it('R31: a pass expires; lifetimes are 10 minutes to 8 hours; a new pass replaces the old; another user\'s pass is no pass', async () => {
    await t.addUser({ username: 'ren', email: 'ren@corp.example' });
    await t.addUser({ username: 'mio', email: 'mio@corp.example' });
    for (const lifetimeMinutes of [9, 481]) {
      expect((await t.api('POST', '/admin/users/ren/access-pass', { token: t.adminToken, body: { lifetimeMinutes } })).body.code).toBe('invalid_request');
    }
    const short = await issuePass(t, 'ren', { lifetimeMinutes: 10, oneTime: false });
    t.clock.advance(10 * 60_000 + 1);
    expect((await t.api('POST', '/me/step-up/pass', { token: await signIn('ren'), body: { pass: short } })).body.code).toBe('invalid_code');
    const first = await issuePass(t, 'ren', { lifetimeMinutes: 480, oneTime: false });
    const second = await issuePass(t, 'ren', { lifetimeMinutes: 480, oneTime: false });
    const fresh = await signIn('ren');
    expect((await t.api('POST', '/me/step-up/pass', { token: fresh, body: { pass: first } })).body.code).toBe('invalid_code');
    const mios = await issuePass(t, 'mio');
    expect((await t.api('POST', '/me/step-up/pass', { token: fresh, body: { pass: mios } })).body.code).toBe('invalid_code');
    // A reusable pass serves more than one sign-in while it lives.
    expect((await t.api('POST', '/me/step-up/pass', { token: fresh, body: { pass: second } })).status).toBe(200);
    expect((await t.api('POST', '/me/step-up/pass', { token: await signIn('ren'), body: { pass: second } })).status).toBe(200);
    expect((await t.api('POST', '/admin/users/nobody/access-pass', { token: t.adminToken, body: {} })).body.code).toBe('not_found');
    expect((await t.api('POST', '/admin/users/ren/access-pass', { token: fresh, body: {} })).status).toBe(403);
  });

  it('R31, R10: a pass alone never signs an administrator into the console', async () => {
    await t.addUser({ username: 'opsadmin', email: 'opsadmin@corp.example', isAdmin: true });
    const pass = await issuePass(t, 'opsadmin');
    const started = await t.api('POST', '/auth/admin/sessions', { body: { username: 'opsadmin', password: PW } });
    expect(started.status).toBe(403);
    expect(JSON.stringify(started.body)).not.toContain(pass);
    // The pass cannot be played as an admin token either.
    expect((await t.api('GET', '/admin/policy', { token: pass })).status).toBe(403);
  });
});

describe('notices (R32)', () => {
  it('R32: a method added or removed is told to the account address and every verified email, the removed one too; nothing secret', async () => {
    const { user, address } = await userWithEmail(t, 'yuki');
    const token = await signIn('yuki');
    await stepUpByEmail(t, token, address);

    let before = t.smtp.mails.length;
    const reg = await t.api('POST', '/me/methods', { token, body: { type: 'email', address: 'yuki.second@mail.example', locale: 'ja' } });
    const code = await mailedCode(t, 'yuki.second@mail.example', before);
    before = t.smtp.mails.length;
    expect((await t.api('POST', `/me/methods/${reg.body.method.id}/verify`, { token, body: { code } })).status).toBe(200);
    const added = await nextMail(t, 'yuki@corp.example', before);
    expect(added.subject).toMatch(/A verification method was added/);
    expect(added.text).toMatch(/an email address was added/);
    expect(added.text).toContain('127.0.0.1');
    expect(added.text).not.toContain(code);
    await nextMail(t, address, before);
    await nextMail(t, 'yuki.second@mail.example', before);

    const totp = await t.api('POST', '/me/methods', { token, body: { type: 'authenticatorCode' } });
    expect(totp.status).toBe(201);

    before = t.smtp.mails.length;
    const old = (await t.server.services.methods.list(user.id)).find((m) => m.type === 'email' && (m.data as { address: string }).address === 'yuki.second@mail.example')!;
    expect((await t.api('DELETE', `/me/methods/${old.id}`, { token })).status).toBe(204);
    const removed = await nextMail(t, 'yuki.second@mail.example', before);
    expect(removed.subject).toMatch(/removed/);
    await nextMail(t, 'yuki@corp.example', before);
    for (const m of t.smtp.mails) expect(m.text ?? '').not.toContain(totp.body.secret);
    // The notice is audited once its mails are handed over.
    await expect.poll(async () => {
      const notices = await t.server.services.db.selectFrom('audit_events').select('detail').where('username', '=', 'yuki').where('type', '=', 'notice.sent').execute();
      return notices.map((n) => JSON.parse(n.detail!).change);
    }).toEqual(expect.arrayContaining(['methodAdded', 'methodRemoved']));
  });

  it('R32, R20: notices speak the user\'s language and carry the contact from branding', async () => {
    await t.setPolicy((p) => {
      p.branding.organizationName = 'Example K.K.';
      p.branding.contactAdmin = 'https://help.example/it';
    });
    t.server.services.policy.invalidate();
    await t.addUser({ username: 'haruto', email: 'haruto@corp.example' });
    const before = t.smtp.mails.length;
    const token = await signIn('haruto');
    const push = await t.api('POST', '/me/methods', { token, headers: { 'accept-language': 'ja' }, body: { type: 'authenticatorPush', deviceName: 'Pixel', publicKey: pushKey() } });
    expect(push.status).toBe(201);
    const mail = await nextMail(t, 'haruto@corp.example', before);
    expect(mail.subject).toBe('[Example K.K.] 本人確認の方法が追加されました');
    expect(mail.text).toContain('https://help.example/it');
    expect(mailsTo('haruto@corp.example', before)).toHaveLength(1);
  });
});
