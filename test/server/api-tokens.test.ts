import { createHash } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES, type RouteDef } from '../../shared/api/routes.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { addMethod, methodOf, passEmailGate, userWithEmail } from '../helpers/reset-helpers.js';

let t: TestServer;
let adminToken: string;
const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

const totpNow = () => new TOTP({ secret: Secret.fromBase32(TOTP_SECRET), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: t.clock.now().getTime() });

/** Password, emailed code, TOTP code → a signed-in administrator's token (R10). */
async function signInAdmin(username: string): Promise<string> {
  const { user, address } = await userWithEmail(t, username, { isAdmin: true });
  await addMethod(t, user, 'authenticatorCode', { secret: TOTP_SECRET, algorithm: 'SHA1', digits: 6, period: 30 }, 'Authenticator app');
  const started = await t.api('POST', '/auth/admin/sessions', { body: { username, password: 'Initial-Passw0rd!' } });
  expect(started.status).toBe(201);
  expect((await passEmailGate(t, started.body.sessionToken, methodOf(started.body, 'email'), address)).status).toBe(200);
  t.clock.advance(30_000);
  const ch = await t.api('POST', '/reset/session/challenges', { token: started.body.sessionToken, body: { methodId: methodOf(started.body, 'authenticatorCode') } });
  expect((await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: started.body.sessionToken, body: { code: totpNow() } })).body).toMatchObject({ complete: true });
  const issued = await t.api('POST', '/auth/admin/token', { token: started.body.sessionToken });
  expect(issued.status).toBe(200);
  return issued.body.adminToken as string;
}

async function createToken(name: string, scopes: string[], expiresInDays?: number) {
  const created = await t.api('POST', '/admin/api-tokens', { token: adminToken, body: { name, scopes, ...(expiresInDays ? { expiresInDays } : {}) } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body as { id: string; token: string; name: string };
}

/** Fresh: the admin token lives 15 minutes and the tests move the clock. */
async function freshAdmin(): Promise<void> {
  adminToken = await signInAdmin(`tok-admin-${Math.random().toString(36).slice(2, 8)}`);
}

beforeAll(async () => {
  t = await startTestServer();
  await freshAdmin();
});
afterAll(async () => {
  await t.close();
});

describe('API tokens (R38)', () => {
  it('R38: only a signed-in administrator manages tokens: not the set-up token, not an API token', async () => {
    const bootstrap = await t.api('POST', '/admin/api-tokens', { token: t.adminToken, body: { name: 'boot', scopes: ['reports:read'] } });
    expect(bootstrap.status).toBe(403);
    const { token } = await createToken('manager-try', ['users:manage', 'policy:manage', 'reports:read']);
    for (const [method, path] of [['GET', '/admin/api-tokens'], ['POST', '/admin/api-tokens'], ['DELETE', '/admin/api-tokens/0123456789abcdef']] as const) {
      const r = await t.api(method, path, { token, ...(method === 'POST' ? { body: { name: 'child', scopes: ['reports:read'] } } : {}) });
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body.code).toBe('forbidden');
    }
    expect((await t.api('POST', '/admin/api-tokens', { token: adminToken, body: { name: 'manager-try', scopes: ['reports:read'] } })).body.code).toBe('conflict');
    expect((await t.api('POST', '/admin/api-tokens', { token: adminToken, body: { name: 'bad name!', scopes: ['reports:read'] } })).body.code).toBe('invalid_request');
    expect((await t.api('POST', '/admin/api-tokens', { token: adminToken, body: { name: 'no-scope', scopes: [] } })).body.code).toBe('invalid_request');
  });

  it('R38: a token reaches exactly the admin routes its scopes cover, on every admin route of the table', async () => {
    const tokens = {
      'reports:read': (await createToken('scope-reports', ['reports:read'])).token,
      'users:manage': (await createToken('scope-users', ['users:manage'])).token,
      'policy:manage': (await createToken('scope-policy', ['policy:manage'])).token,
    };
    const adminRoutes = Object.entries(API_ROUTES as Record<string, RouteDef>).filter(([, d]) => d.auth === 'admin');
    expect(adminRoutes.length).toBeGreaterThan(15);
    for (const [name, def] of adminRoutes) {
      if (def.auth !== 'admin') continue;
      const path = def.path.replace(/\{(\w+)\}/g, 'nobody-here');
      for (const [scope, token] of Object.entries(tokens)) {
        const r = await t.api(def.method, path, { token, ...(['POST', 'PUT', 'PATCH'].includes(def.method) ? { body: {} } : {}) });
        if (def.scope === scope) expect(r.status, `${name} with ${scope}`).not.toBe(403);
        else expect([r.status, r.body.code], `${name} with ${scope}`).toEqual([403, 'forbidden']);
      }
    }
    // The OpenAPI document says which scope reaches each admin operation.
    const doc = (await t.api('GET', '/api/v1/openapi.json')).body;
    expect(doc.paths['/api/v1/admin/users'].get['x-sspr-api-token-scope']).toBe('users:manage');
    expect(doc.paths['/api/v1/admin/api-tokens'].post['x-sspr-api-token-scope']).toBeNull();
    // Within its scope a token does real work: reports, policy, users.
    expect((await t.api('GET', '/admin/reports/activity', { token: tokens['reports:read'] })).status).toBe(200);
    expect((await t.api('GET', '/admin/policy', { token: tokens['policy:manage'] })).status).toBe(200);
    const made = await t.api('POST', '/admin/users', { token: tokens['users:manage'], body: { username: 'scripted-user', password: 'Quiet-Harbor-Lantern-72', displayName: 'Scripted' } });
    expect(made.status).toBe(201);
  });

  it('R38: a users:manage token never creates, changes or acts for an administrator', async () => {
    const { token } = await createToken('no-escalation', ['users:manage']);
    await userWithEmail(t, 'plain-staff');
    await userWithEmail(t, 'other-admin', { isAdmin: true });
    const tries = [
      await t.api('POST', '/admin/users', { token, body: { username: 'sneaky-admin', password: 'Quiet-Harbor-Lantern-72', displayName: 'Sneaky', isAdmin: true } }),
      await t.api('PATCH', '/admin/users/plain-staff', { token, body: { isAdmin: true } }),
      await t.api('PATCH', '/admin/users/other-admin', { token, body: { password: 'Quiet-Harbor-Lantern-72' } }),
      await t.api('PUT', '/admin/users/other-admin/methods', { token, body: { email: 'evil@attacker.example' } }),
      await t.api('POST', '/admin/users/other-admin/access-pass', { token, body: {} }),
      await t.api('DELETE', '/admin/users/other-admin', { token }),
    ];
    for (const r of tries) expect([r.status, r.body.code]).toEqual([403, 'forbidden']);
    expect((await t.api('GET', '/admin/users/other-admin', { token: adminToken })).body.isAdmin).toBe(true);
    expect((await t.api('POST', '/admin/users/plain-staff/access-pass', { token, body: {} })).status).toBe(201);
  });

  it('R38: shown once, stored only as a hash behind a lookup id; listed without the secret', async () => {
    const created = await createToken('hash-check', ['reports:read'], 30);
    expect(created.token).toMatch(/^sspr_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    const row = await t.server.services.db.selectFrom('api_tokens').selectAll().where('name', '=', 'hash-check').executeTakeFirstOrThrow();
    expect(row.token_hash).toBe(createHash('sha256').update(created.token).digest('base64url'));
    const secret = created.token.split('_').slice(2).join('_');
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(created.token).toContain(row.id);
    const list = await t.api('GET', '/admin/api-tokens', { token: adminToken });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(secret);
    expect(list.body.tokens.find((x: { name: string }) => x.name === 'hash-check')).toMatchObject({ scopes: ['reports:read'], lastUsedAt: null });
    // A right-looking token with the right id and a wrong secret is refused.
    const forged = `sspr_${row.id}_${'A'.repeat(43)}`;
    expect((await t.api('GET', '/admin/reports/activity', { token: forged })).status).toBe(403);
  });

  it('R38: a token stops at its expiry and at its revocation', async () => {
    const short = await createToken('short-lived', ['reports:read'], 1);
    const revoked = await createToken('to-revoke', ['reports:read'], 30);
    expect((await t.api('GET', '/admin/reports/activity', { token: short.token })).status).toBe(200);
    expect((await t.api('DELETE', `/admin/api-tokens/${revoked.id}`, { token: adminToken })).status).toBe(204);
    expect((await t.api('GET', '/admin/reports/activity', { token: revoked.token })).status).toBe(403);
    expect((await t.api('DELETE', `/admin/api-tokens/${revoked.id}`, { token: adminToken })).body.code).toBe('not_found');
    t.clock.advance(86_400_000 + 1000);
    expect((await t.api('GET', '/admin/reports/activity', { token: short.token })).status).toBe(403);
    await freshAdmin();
    const names = (await t.api('GET', '/admin/api-tokens', { token: adminToken })).body.tokens.map((x: { name: string }) => x.name);
    expect(names).not.toContain('to-revoke');
    expect(names).toContain('short-lived');
    const events = await t.server.services.db.selectFrom('audit_events').select(['actor', 'detail', 'result']).where('type', '=', 'admin.apitoken').execute();
    // A dead token still in use shows in the audit under its name, with why it was refused.
    const refusals = (actor: string) => events.filter((e) => e.actor === actor && e.result === 'denied').map((e) => JSON.parse(e.detail!).reason);
    expect(refusals('token:to-revoke')).toEqual(['revoked']);
    expect(refusals('token:short-lived')).toEqual(['expired']);
    expect(events.some((e) => JSON.parse(e.detail!).action === 'revoke' && JSON.parse(e.detail!).name === 'to-revoke' && !e.actor!.startsWith('token:'))).toBe(true);
  });

  it('R38, R17a: every use is audited under the token\'s name, refused ones too; what it changes carries that actor; last use is listed', async () => {
    const { token } = await createToken('deploy-bot', ['users:manage']);
    expect((await t.api('POST', '/admin/users', { token, body: { username: 'bot-made', password: 'Quiet-Harbor-Lantern-72', displayName: 'Bot made' } })).status).toBe(201);
    expect((await t.api('GET', '/admin/policy', { token })).status).toBe(403);
    const db = t.server.services.db;
    const change = await db.selectFrom('audit_events').selectAll().where('type', '=', 'admin.user').where('username', '=', 'bot-made').executeTakeFirstOrThrow();
    expect(change.actor).toBe('token:deploy-bot');
    const uses = await db.selectFrom('audit_events').selectAll().where('type', '=', 'admin.apitoken').where('actor', '=', 'token:deploy-bot').orderBy('id').execute();
    expect(uses.map((u) => [u.result, JSON.parse(u.detail!).route])).toEqual([['success', 'createUser'], ['denied', 'getAdminPolicy']]);
    expect(uses[0]!.client).toContain('127.0.0.1');
    const listed = (await t.api('GET', '/admin/api-tokens', { token: adminToken })).body.tokens.find((x: { name: string }) => x.name === 'deploy-bot');
    expect(listed.lastUsedAt).toBe(t.clock.now().toISOString());
    expect(listed.createdBy).toMatch(/^tok-admin-/);
  });
});

describe('API tokens on PostgreSQL (R38)', () => {
  it('R38: created, used within its scope, listed with its last use, revoked — on a PostgreSQL store', async () => {
    const pg = await startTestServer({ postgres: true });
    try {
      const { user } = await userWithEmail(pg, 'pg-admin', { isAdmin: true });
      // A signed-in administrator's token, as the two-method sign-in issues it (that sign-in is tested above).
      const signedIn = async () => (await pg.server.services.accessTokens.issue('admin', { id: user.id, username: user.username, isAdmin: true })).token;
      let admin = await signedIn();
      const created = await pg.api('POST', '/admin/api-tokens', { token: admin, body: { name: 'pg-bot', scopes: ['policy:manage'], expiresInDays: 2 } });
      expect(created.status).toBe(201);
      expect((await pg.api('GET', '/admin/policy', { token: created.body.token })).status).toBe(200);
      expect((await pg.api('GET', '/admin/users', { token: created.body.token })).status).toBe(403);
      const listed = (await pg.api('GET', '/admin/api-tokens', { token: admin })).body.tokens;
      expect(listed).toEqual([expect.objectContaining({ name: 'pg-bot', scopes: ['policy:manage'], lastUsedAt: pg.clock.now().toISOString(), expiresAt: new Date(pg.clock.now().getTime() + 2 * 86_400_000).toISOString() })]);
      pg.clock.advance(2 * 86_400_000);
      expect((await pg.api('GET', '/admin/policy', { token: created.body.token })).status).toBe(403);
      admin = await signedIn();
      expect((await pg.api('DELETE', `/admin/api-tokens/${created.body.id}`, { token: admin })).status).toBe(204);
    } finally {
      await pg.close();
    }
  });
});
