import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokens } from '../../src-server/auth/access-tokens.js';
import { createAuthenticator } from '../../src-server/auth/authenticator.js';
import { BuiltinDirectory } from '../../src-server/directory/builtin-directory.js';
import { TokenStore } from '../../src-server/store/token-store.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
const PW = 'Initial-Passw0rd!';

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

function builtin(): BuiltinDirectory {
  return t.server.services.directory as BuiltinDirectory;
}

async function signIn(username: string, password = PW, headers: Record<string, string> = {}) {
  return t.api('POST', '/auth/sign-in', { body: { username, password }, headers });
}

async function auditOf(type: string, user: string) {
  return t.server.services.db.selectFrom('audit_events').selectAll().where('type', '=', type).where('username', '=', user).orderBy('id').execute();
}

describe('sign-in', () => {
  it('answers tokens and the user; the access token opens /me routes', async () => {
    await t.addUser({ username: 'alice', displayName: 'Alice Liddell', email: 'alice@example.com' });
    const r = await signIn('alice', PW, { 'x-sspr-client': 'laptop-42' });
    expect(r.status).toBe(200);
    expect(r.body.user).toEqual({ username: 'alice', displayName: 'Alice Liddell', isAdmin: false });
    expect(r.body.refreshToken).toMatch(/^rt_/);
    expect(new Date(r.body.accessExpiresAt).getTime() - t.clock.now().getTime()).toBe(15 * 60_000);
    const status = await t.api('GET', '/me/status', { token: r.body.accessToken });
    expect(status.status).toBe(200);
    const events = await auditOf('auth.signin', 'alice');
    expect(events.at(-1)).toMatchObject({ result: 'success', client: expect.stringContaining('app:laptop-42') });
  });

  it('R13b: a wrong password and an unknown user get the same answer, and both are audited', async () => {
    await t.addUser({ username: 'bob' });
    const wrong = await signIn('bob', 'Not-the-passw0rd');
    const unknown = await signIn('nobody-here', 'Not-the-passw0rd');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.code).toBe('unauthorized');
    expect((await auditOf('auth.signin', 'bob')).at(-1)).toMatchObject({ result: 'failure' });
    expect((await auditOf('auth.signin', 'nobody-here')).at(-1)).toMatchObject({ result: 'failure' });
  });

  it('a locked account answers locked_out pointing to self-service reset, only to someone who knows the password', async () => {
    await t.addUser({ username: 'carol' });
    for (let i = 0; i < 10; i++) expect((await signIn('carol', `wrong-${i}`)).status).toBe(401);
    const withRight = await signIn('carol');
    expect(withRight.status).toBe(423);
    expect(withRight.body.code).toBe('locked_out');
    expect(withRight.body.detail).toMatch(/Forgot password/);
    // Without the password nothing tells the account is locked.
    expect((await signIn('carol', 'still-wrong')).body.code).toBe('unauthorized');
  });

  it('R19: a disabled account is refused with forbidden', async () => {
    const u = await t.addUser({ username: 'dave' });
    await builtin().updateUser(u.id, { disabled: true });
    const r = await signIn('dave');
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('forbidden');
  });

  it('R15: a must-change password answers password_expired with a change token good only for POST /me/password', async () => {
    await t.addUser({ username: 'erin', mustChange: true });
    const r = await signIn('erin');
    expect(r.status).toBe(403);
    expect(r.body.code).toBe('password_expired');
    const change = r.body.changeToken as string;
    expect(change).toBeTruthy();
    expect((await t.api('GET', '/me/status', { token: change })).status).toBe(401);
    const changed = await t.api('POST', '/me/password', { token: change, body: { currentPassword: PW, newPassword: 'Fresh-Harbour-81!' } });
    expect(changed.status).toBe(200);
    expect((await signIn('erin', 'Fresh-Harbour-81!')).status).toBe(200);
    // The change revoked the change token too.
    expect((await t.api('POST', '/me/password', { token: change, body: { currentPassword: 'Fresh-Harbour-81!', newPassword: 'Other-Harbour-82!' } })).status).toBe(401);
  });

  it('R15: a password older than maxAgeDays must be changed at sign-in; the change token lasts 10 minutes', async () => {
    await t.addUser({ username: 'frank' });
    t.clock.advanceDays(91);
    try {
      const r = await signIn('frank');
      expect(r.body.code).toBe('password_expired');
      t.clock.advanceMinutes(11);
      const late = await t.api('POST', '/me/password', { token: r.body.changeToken, body: { currentPassword: PW, newPassword: 'Fresh-Harbour-81!' } });
      expect(late.status).toBe(401);
    } finally {
      t.clock.advanceDays(-91);
    }
  });
});

describe('access tokens', () => {
  it('work for the longest user names the contract allows (256 characters, multi-byte)', async () => {
    const username = 'あ'.repeat(256);
    await t.addUser({ username, displayName: '長い名前' });
    const r = await signIn(username);
    expect(r.status).toBe(200);
    expect((await t.api('GET', '/me/status', { token: r.body.accessToken })).status).toBe(200);
  });

  it('expire after 15 minutes', async () => {
    await t.addUser({ username: 'gina' });
    const { accessToken } = (await signIn('gina')).body;
    t.clock.advanceMinutes(14);
    expect((await t.api('GET', '/me/status', { token: accessToken })).status).toBe(200);
    t.clock.advanceMinutes(1);
    const late = await t.api('GET', '/me/status', { token: accessToken });
    expect(late.status).toBe(401);
    expect(late.body.code).toBe('unauthorized');
  });

  it('a tampered token (claims changed, signature kept) or a garbage token is refused', async () => {
    await t.addUser({ username: 'hank' });
    const { accessToken } = (await signIn('hank')).body as { accessToken: string };
    const [prefix, payload, sig] = accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    const forged = `${prefix}.${Buffer.from(JSON.stringify({ ...claims, adm: true, exp: claims.exp + 86_400_000 })).toString('base64url')}.${sig}`;
    for (const token of [forged, `${prefix}.${payload}.${'A'.repeat(43)}`, 'sat1.e30.xyz', 'garbage', t.adminToken]) {
      const r = await t.api('GET', '/me/status', { token });
      expect(r.status, token).toBe(401);
    }
  });

  it('a signature spelled differently but decoding to the same bytes is refused (no malleability)', async () => {
    await t.addUser({ username: 'hank2' });
    const { accessToken } = (await signIn('hank2')).body as { accessToken: string };
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // The last of 43 base64url characters carries 4 bits of the MAC and 2 padding bits.
    const last = alphabet.indexOf(accessToken.at(-1)!);
    const twin = accessToken.slice(0, -1) + alphabet[last ^ 1];
    expect(Buffer.from(twin.split('.')[2]!, 'base64url')).toEqual(Buffer.from(accessToken.split('.')[2]!, 'base64url'));
    expect((await t.api('GET', '/me/status', { token: twin })).status).toBe(401);
    expect((await t.api('GET', '/me/status', { token: accessToken })).status).toBe(200);
  });

  it('a change token, or a user access token of an administrator, never opens admin routes', async () => {
    const admin = await t.addUser({ username: 'ivy-admin', isAdmin: true });
    const { accessToken } = (await signIn('ivy-admin')).body;
    const auth = createAuthenticator(t.server.services);
    expect(await auth.admin(accessToken)).toBeNull();
    expect(await auth.admin(t.adminToken)).toEqual({ kind: 'admin', actor: 'bootstrap', subjectId: null });
    // The administrator sign-in (two methods) issues `admin` tokens; those do open admin routes.
    const tokens = new AccessTokens(new TokenStore(t.server.services.db), t.clock, t.server.services.codeKey);
    const adminToken = (await tokens.issue('admin', admin)).token;
    expect(await auth.admin(adminToken)).toEqual({ kind: 'admin', actor: 'ivy-admin', subjectId: admin.id });
    expect(await auth.user(adminToken, true)).toBeNull();
  });
});

describe('refresh tokens', () => {
  it('rotate on every refresh; reusing a rotated one revokes the whole family (theft)', async () => {
    await t.addUser({ username: 'jack' });
    const first = (await signIn('jack')).body;
    const second = await t.api('POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(second.status).toBe(200);
    expect(second.body.refreshToken).not.toBe(first.refreshToken);
    expect((await t.api('GET', '/me/status', { token: second.body.accessToken })).status).toBe(200);
    // The thief replays the first token: refused, and the legitimate newer token dies with it.
    const replay = await t.api('POST', '/auth/refresh', { body: { refreshToken: first.refreshToken } });
    expect(replay.status).toBe(401);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: second.body.refreshToken } })).status).toBe(401);
    expect((await auditOf('auth.signin', 'jack')).at(-1)).toMatchObject({ result: 'denied', detail: expect.stringContaining('refreshTokenReuse') });
  });

  it('are stored only hashed and last 30 days', async () => {
    await t.addUser({ username: 'kate' });
    const { refreshToken } = (await signIn('kate')).body;
    const rows = await t.server.services.db.selectFrom('refresh_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(refreshToken);
    t.clock.advanceDays(29);
    const ok = await t.api('POST', '/auth/refresh', { body: { refreshToken } });
    expect(ok.status).toBe(200);
    t.clock.advanceDays(30);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: ok.body.refreshToken } })).status).toBe(401);
    t.clock.advanceDays(-59);
  });

  it('sign-out with a refresh token ends that sign-in; without one it ends every session', async () => {
    await t.addUser({ username: 'liam' });
    const a = (await signIn('liam')).body;
    const b = (await signIn('liam')).body;
    expect((await t.api('POST', '/auth/sign-out', { token: a.accessToken, body: { refreshToken: a.refreshToken } })).status).toBe(204);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: a.refreshToken } })).status).toBe(401);
    const b2 = await t.api('POST', '/auth/refresh', { body: { refreshToken: b.refreshToken } });
    expect(b2.status).toBe(200);
    expect((await t.api('POST', '/auth/sign-out', { token: b2.body.accessToken, body: {} })).status).toBe(204);
    expect((await t.api('GET', '/me/status', { token: b2.body.accessToken })).status).toBe(401);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: b2.body.refreshToken } })).status).toBe(401);
  });

  it('someone else\'s refresh token cannot be signed out', async () => {
    await t.addUser({ username: 'mia' });
    await t.addUser({ username: 'noah' });
    const mia = (await signIn('mia')).body;
    const noah = (await signIn('noah')).body;
    expect((await t.api('POST', '/auth/sign-out', { token: noah.accessToken, body: { refreshToken: mia.refreshToken } })).status).toBe(204);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: mia.refreshToken } })).status).toBe(200);
  });

  it('R15: refreshing after the password expired answers password_expired with a change token', async () => {
    const olga = await t.addUser({ username: 'olga' });
    const day = 86_400_000;
    await t.server.services.db.updateTable('users').set({ password_changed_at: t.clock.now().getTime() - 89 * day }).where('id', '=', olga.id).execute();
    const { refreshToken } = (await signIn('olga')).body;
    t.clock.advanceDays(2);
    try {
      const r = await t.api('POST', '/auth/refresh', { body: { refreshToken } });
      expect(r.status).toBe(403);
      expect(r.body.code).toBe('password_expired');
      expect(r.body.changeToken).toBeTruthy();
    } finally {
      t.clock.advanceDays(-2);
    }
  });
});
