import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../shared/api/errors.js';
import { API_BASE, API_ROUTES, type RouteDef } from '../../shared/api/routes.js';
import { codeIn } from '../helpers/smtp-peer.js';
import { startTestServer, type ApiResult, type TestServer } from '../helpers/test-server.js';

/**
 * Hostile input across every route of the shared table, the other rooms' included: the
 * answer is always a 4xx (or a success for input that is odd but legal), problem+json with a
 * stable code, never a 5xx. And nothing secret ever reaches the log, even at debug level.
 */
const PW = 'Initial-Passw0rd!';
const NEW_PW = 'Harbour-Kestrel-64!';
const routes = Object.entries(API_ROUTES) as Array<[string, RouteDef]>;

let t: TestServer;
const logLines: string[] = [];
/** Every secret the server saw or handed out in this file: none may appear in a log line. */
const secrets = new Set<string>([PW, NEW_PW]);
let userToken = '';
let resetToken = 'rs_not-a-real-session-token-but-well-formed';
/** A signed-in administrator's token: the routes no set-up or API token reaches take only it (R38). */
let signedInAdminToken = '';

beforeAll(async () => {
  t = await startTestServer({
    env: { SSPR_LOG_LEVEL: 'debug' },
    overrides: { logDestination: { write: (line: string) => void logLines.push(line) } },
  });
  secrets.add(t.adminToken);
  await t.addUser({ username: 'hostile-target', email: 'target@example.com' });
  const signIn = await t.api('POST', '/auth/sign-in', { body: { username: 'hostile-target', password: PW } });
  userToken = signIn.body.accessToken;
  secrets.add(userToken).add(signIn.body.refreshToken);
  const reset = await t.api('POST', '/reset/sessions', { body: { username: 'hostile-target' } });
  if (reset.status === 201) resetToken = reset.body.sessionToken;
  secrets.add(resetToken);
  const admin = await t.addUser({ username: 'hostile-admin', isAdmin: true });
  signedInAdminToken = (await t.server.services.accessTokens.issue('admin', { id: admin.id, username: admin.username, isAdmin: true })).token;
  secrets.add(signedInAdminToken);
});
afterAll(async () => {
  await t.close();
});

function tokenFor(def: RouteDef): string | undefined {
  switch (def.auth) {
    case 'none':
      return undefined;
    case 'resetSession':
      return resetToken;
    case 'user':
    case 'userOrChangeToken':
      return userToken;
    case 'admin':
      return def.scope === null ? signedInAdminToken : t.adminToken;
  }
}

/**
 * Routes another room has not wired yet answer 404 problem+json: for them only "never 5xx,
 * always problem+json" is checked; the stricter expectations start to hold as they land.
 */
function wired(def: RouteDef): boolean {
  return t.server.app.hasRoute({ method: def.method, url: API_BASE + def.path.replace(/\{(\w+)\}/g, ':$1') });
}

function pathOf(def: RouteDef, param = 'x'): string {
  return def.path.replace(/\{(\w+)\}/g, () => param);
}

const isProblem = (r: ApiResult) => (r.headers.get('content-type') ?? '').includes('application/problem+json') && (ERROR_CODES as readonly string[]).includes(r.body?.code);

/** Never 5xx; every error a problem+json with a known code. */
function expectSafe(r: ApiResult, what: string) {
  expect(r.status, `${what} → ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`).toBeLessThan(500);
  if (r.status >= 400) expect(isProblem(r), `${what}: problem+json with a known code, got ${JSON.stringify(r.body).slice(0, 200)}`).toBe(true);
}

function expect4xx(r: ApiResult, what: string, code?: string, def?: RouteDef) {
  expectSafe(r, what);
  expect(r.status, `${what} → ${r.status}`).toBeGreaterThanOrEqual(400);
  if (code && (!def || wired(def))) expect(r.body.code, what).toBe(code);
}

/** A valid body for each route that takes one, so "valid + one unknown field" isolates strictness. */
const SAMPLES: Record<string, Record<string, unknown>> = {
  createResetSession: { username: 'hostile-target' },
  createChallenge: { methodId: 'm1', channel: 'sms' },
  verifyChallenge: { code: '123456' },
  setResetPassword: { newPassword: NEW_PW, unlockAccount: true },
  signIn: { username: 'hostile-target', password: 'Wrong-Passw0rd!' },
  createAdminSession: { username: 'hostile-target', password: 'Wrong-Passw0rd!' },
  refresh: { refreshToken: 'rt_unknown' },
  signOut: { refreshToken: 'rt_unknown' },
  registerMethod: { type: 'email', address: 'other@example.org' },
  verifyMethod: { code: '123456' },
  changePassword: { currentPassword: 'Wrong-Passw0rd!', newPassword: NEW_PW },
  decideApproval: { approve: true, number: 42, methodId: 'm1', signature: 'c2ln' },
  createUser: { username: 'sample-user', password: PW, displayName: 'Sample' },
  patchUser: { displayName: 'Sample' },
  setUserMethods: { mobilePhone: '+81 9012345678' },
  createGroup: { name: 'sample-group' },
  completeStepUp: { sessionToken: 'rs_unknown' },
  stepUpWithPass: { pass: 'AAAA-BBBB-CCCC-DDDD' },
  issueAccessPass: { lifetimeMinutes: 60, oneTime: true },
  createApiToken: { name: 'sample-token', scopes: ['reports:read'], expiresInDays: 30 },
};

describe('hostile input on every route', () => {
  it('every route with a strict body has a sample here that its schema accepts', () => {
    for (const [name, def] of routes) {
      if (!def.body || name === 'putAdminPolicy') continue;
      expect(SAMPLES[name], `sample for ${name}`).toBeDefined();
      expect(def.body.safeParse(SAMPLES[name]).success, `sample for ${name} is valid`).toBe(true);
    }
  });

  it('malformed JSON, non-object JSON, arrays for objects, wrong content types → 4xx problem+json', async () => {
    const raws = ['{"a":', '{"username": "x",}', "{'single': 1}", 'null', '42', '"text"', 'true', '[]', '[{}]', '{"__proto__": {"isAdmin": true}}', '{"constructor": {"prototype": {"x": 1}}}', '\u0000', '['.repeat(30_000) + ']'.repeat(30_000)];
    for (const [name, def] of routes) {
      if (!def.body) continue;
      for (const raw of raws) {
        expect4xx(await t.api(def.method, pathOf(def), { raw, token: tokenFor(def) }), `${name} raw ${raw.slice(0, 20)}`);
      }
      if (SAMPLES[name]) expect4xx(await t.api(def.method, pathOf(def), { raw: JSON.stringify([SAMPLES[name]]), token: tokenFor(def) }), `${name} array body`, 'invalid_request', def);
      expect4xx(await t.api(def.method, pathOf(def), { raw: 'username=x', token: tokenFor(def), headers: { 'content-type': 'application/x-www-form-urlencoded' } }), `${name} form body`);
      expect4xx(await t.api(def.method, pathOf(def), { raw: JSON.stringify(SAMPLES[name] ?? {}), token: tokenFor(def), headers: { 'content-type': 'text/plain' } }), `${name} text/plain`);
    }
  });

  it('1 MB bodies → 413 problem+json on every route', async () => {
    const big = JSON.stringify({ username: 'x'.repeat(1024 * 1024) });
    for (const [name, def] of routes) {
      if (def.method === 'GET') continue;
      const r = await t.api(def.method, pathOf(def), { raw: big, token: tokenFor(def) });
      expect4xx(r, `${name} 1 MB`);
      expect(r.status, name).toBe(413);
    }
  });

  it('unknown fields on strict schemas → invalid_request naming the field', async () => {
    for (const [name, def] of routes) {
      const sample = SAMPLES[name];
      if (!def.body || !sample) continue;
      const r = await t.api(def.method, pathOf(def), { body: { ...sample, isAdmin: true, zzExtra: 1 }, token: tokenFor(def) });
      expect4xx(r, `${name} unknown field`, 'invalid_request', def);
      if (wired(def)) expect(JSON.stringify(r.body.issues), name).toMatch(/zzExtra/);
    }
  });

  it('wrong types for every field → invalid_request', async () => {
    const wrong = (v: unknown): unknown[] => (typeof v === 'string' ? [12345, null, [], {}, true] : typeof v === 'boolean' ? ['yes', 1, null] : typeof v === 'number' ? ['42', 4.2e300, null, -1.5] : ['x']);
    for (const [name, def] of routes) {
      const sample = SAMPLES[name];
      if (!def.body || !sample) continue;
      for (const [field, value] of Object.entries(sample)) {
        for (const bad of wrong(value)) {
          // For the optional, nullable fields of setUserMethods null is legal (it removes the method).
          if (bad === null && (name === 'setUserMethods' || (name === 'patchUser' && field === 'email'))) continue;
          const r = await t.api(def.method, pathOf(def), { body: { ...sample, [field]: bad }, token: tokenFor(def) });
          expect4xx(r, `${name}.${field}=${JSON.stringify(bad)}`, 'invalid_request', def);
        }
      }
    }
  });

  it('over-long strings in every string field → 4xx', async () => {
    for (const [name, def] of routes) {
      const sample = SAMPLES[name];
      if (!def.body || !sample) continue;
      for (const [field, value] of Object.entries(sample)) {
        if (typeof value !== 'string') continue;
        const r = await t.api(def.method, pathOf(def), { body: { ...sample, [field]: 'Ab1!'.repeat(15_000) }, token: tokenFor(def) });
        expect4xx(r, `${name}.${field} 60 000 chars`);
      }
    }
  });

  it('control and bidi characters in user names → invalid_request wherever a user name is taken', async () => {
    const names = ['ali\u0000ce', 'bob\r\nX-Injected: 1', '\u202Eadmin', 'ad\u2066min', 'tab\tname', '\u007fdel', 'x'.repeat(257), '   '];
    for (const username of names) {
      for (const [route, body] of [
        ['signIn', { username, password: PW }],
        ['createResetSession', { username }],
        ['createUser', { username, password: PW, displayName: 'X' }],
        ['createGroup', { name: 'g-ctl', members: [username] }],
      ] as const) {
        const def = API_ROUTES[route] as RouteDef;
        expect4xx(await t.api(def.method, pathOf(def), { body, token: tokenFor(def) }), `${route} ${JSON.stringify(username)}`, 'invalid_request', def);
      }
      for (const name of ['getUser', 'patchUser', 'deleteUser', 'setUserMethods', 'addGroupMember', 'removeGroupMember'] as const) {
        const def = API_ROUTES[name] as RouteDef;
        const p = def.path.replace('{group}', 'g').replace('{username}', encodeURIComponent(username));
        const body = def.body ? {} : undefined;
        expect4xx(await t.api(def.method, p, { body, token: t.adminToken }), `${name} ${JSON.stringify(username)}`);
      }
    }
  });

  it('LDAP and SQL metacharacters in user names are plain data: no match, no error, no injection', async () => {
    const names = ['*)(uid=*', '*', 'admin)(|(password=*))', "' OR 1=1 --", "x'; DROP TABLE users; --", '%', '_', '\\', 'hostile-target*', 'cn=admin,dc=example,dc=org'];
    for (const username of names) {
      const signIn = await t.api('POST', '/auth/sign-in', { body: { username, password: PW } });
      expect4xx(signIn, `signIn ${username}`, 'unauthorized', API_ROUTES.signIn);
      const get = await t.api('GET', `/admin/users/${encodeURIComponent(username)}`, { token: t.adminToken });
      expect4xx(get, `getUser ${username}`, 'not_found', API_ROUTES.getUser);
      const search = await t.api('GET', `/admin/users?q=${encodeURIComponent(username)}`, { token: t.adminToken });
      expectSafe(search, `listUsers q=${username}`);
      if (username !== 'hostile-target*') expect(search.body.users.map((u: { username: string }) => u.username), username).not.toContain('hostile-target');
      expectSafe(await t.api('POST', '/reset/sessions', { body: { username } }), `createResetSession ${username}`);
    }
    // The users table survived, and a real user is still found only by their own name.
    expect((await t.api('GET', '/admin/users/hostile-target', { token: t.adminToken })).status).toBe(200);
  });

  it('hostile path parameters and query strings on every route → never 5xx', async () => {
    const params = ['*)(uid=*', "' OR 1=1 --", '%E2%80%AE', '%00', '..%2F..%2Fetc%2Fpasswd', 'a'.repeat(290), 'a'.repeat(400), '%', '%E0%A4%A', '%FF%FE'];
    for (const [name, def] of routes) {
      if (!def.path.includes('{')) continue;
      for (const p of params) {
        const body = def.body ? SAMPLES[name] ?? {} : undefined;
        expectSafe(await t.api(def.method, pathOf(def, p), { body, token: tokenFor(def) }), `${name} param ${p.slice(0, 20)}`);
      }
    }
    for (const [name, def] of routes) {
      if (!def.query) continue;
      for (const q of ['limit=abc', 'limit=-1', 'limit=100000', 'limit=1&limit=2', 'cursor=' + 'c'.repeat(300), 'zz=1', 'from=yesterday', 'sort=sideways', 'format=xlsx', 'locale=fr']) {
        expect4xx(await t.api(def.method, `${pathOf(def)}?${q}`, { token: tokenFor(def) }), `${name}?${q.slice(0, 20)}`);
      }
      // Odd but legal: answered normally or refused, never a 5xx.
      for (const q of ['q=%00', 'q=%25', 'q=*)(uid=*', "user=' OR 1=1 --", 'cursor=%E2%80%AE', 'q=%FF']) {
        expectSafe(await t.api(def.method, `${pathOf(def)}?${q}`, { token: tokenFor(def) }), `${name}?${q}`);
      }
    }
  });

  it('missing or garbage bearer tokens → 401/403 problem+json on every protected route', async () => {
    const garbage = ['', 'x', 'sat1.e30.AAAA', 'sat1.' + 'A'.repeat(900) + '.B', 'rt_' + 'a'.repeat(43), t.adminToken.slice(0, -1), userToken.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')), '..', 'Bearer'];
    for (const [name, def] of routes) {
      if (def.auth === 'none') continue;
      const body = def.body ? SAMPLES[name] ?? {} : undefined;
      const none = await t.api(def.method, pathOf(def), { body });
      expect4xx(none, `${name} no token`);
      if (wired(def)) expect([401, 403], name).toContain(none.status);
      for (const token of garbage) {
        const r = await t.api(def.method, pathOf(def), { body, headers: { authorization: `Bearer ${token}` } });
        expectSafe(r, `${name} token ${token.slice(0, 12)}`);
        if (def.auth !== 'resetSession' && wired(def)) expect([401, 403], `${name} token ${token.slice(0, 12)}`).toContain(r.status);
        else expect(r.status, `${name} token ${token.slice(0, 12)}`).toBeGreaterThanOrEqual(400);
      }
      for (const header of ['Basic YWRtaW46YWRtaW4=', `bearer ${tokenFor(def) ?? 'x'}x`, `Bearer ${'x'.repeat(5000)}`, 'Bearer a b', 'Bearer\u00a0x']) {
        const r = await t.api(def.method, pathOf(def), { body, headers: { authorization: header } });
        expect4xx(r, `${name} header ${header.slice(0, 12)}`);
      }
    }
  });

  it('a user token on admin routes and an admin token on user routes are refused', async () => {
    for (const [name, def] of routes) {
      if (def.auth !== 'admin' && def.auth !== 'user') continue;
      const token = def.auth === 'admin' ? userToken : t.adminToken;
      const body = def.body ? SAMPLES[name] ?? {} : undefined;
      const r = await t.api(def.method, pathOf(def), { body, token });
      expect4xx(r, `${name} with the other kind of token`);
      if (wired(def)) expect([401, 403], name).toContain(r.status);
    }
  });
});

describe('logs', () => {
  it('never contain passwords, codes or tokens, even at debug level', async () => {
    // A full signed-in life: sign in, refresh, change the password, sign out; an admin reset.
    const a = (await t.api('POST', '/auth/sign-in', { body: { username: 'hostile-target', password: PW } })).body;
    const b = (await t.api('POST', '/auth/refresh', { body: { refreshToken: a.refreshToken } })).body;
    const changed = await t.api('POST', '/me/password', { token: b.accessToken, body: { currentPassword: PW, newPassword: NEW_PW } });
    expect(changed.status).toBe(200);
    const c = (await t.api('POST', '/auth/sign-in', { body: { username: 'hostile-target', password: NEW_PW } })).body;
    await t.api('POST', '/auth/sign-out', { token: c.accessToken, body: { refreshToken: c.refreshToken } });
    const adminReset = 'Admin-Chosen-Temp-71!';
    await t.api('PATCH', '/admin/users/hostile-target', { token: t.adminToken, body: { password: adminReset } });
    const expired = (await t.api('POST', '/auth/sign-in', { body: { username: 'hostile-target', password: adminReset } })).body;
    // And a whole self-service reset with an emailed code.
    await t.api('PUT', '/admin/users/hostile-target/methods', { token: t.adminToken, body: { email: 'target.alt@example.org' } });
    const session = (await t.api('POST', '/reset/sessions', { body: { username: 'hostile-target' } })).body;
    const email = session.methods.find((m: { type: string }) => m.type === 'email');
    const challenge = (await t.api('POST', '/reset/session/challenges', { token: session.sessionToken, body: { methodId: email.id } })).body;
    const code = codeIn((await t.smtp.waitFor('target.alt@example.org')).text);
    expect((await t.api('POST', `/reset/session/challenges/${challenge.challengeId}/verify`, { token: session.sessionToken, body: { code } })).status).toBe(200);
    const resetPw = 'Self-Service-Reset-58!';
    expect((await t.api('POST', '/reset/session/password', { token: session.sessionToken, body: { newPassword: resetPw, unlockAccount: true } })).status).toBe(200);
    for (const s of [a.accessToken, a.refreshToken, b.accessToken, b.refreshToken, c.accessToken, c.refreshToken, adminReset, expired.changeToken, session.sessionToken, code, resetPw]) secrets.add(s);
    // The mail the change sent carries nothing secret either.
    const mail = await t.smtp.waitFor('target@example.com');
    expect(mail.text).not.toContain(NEW_PW);

    const log = logLines.join('');
    expect(logLines.length).toBeGreaterThan(20);
    expect(t.server.services.log.level).toBe('debug');
    for (const s of secrets) {
      if (!s) continue;
      expect(log.includes(s), `a secret (${s.slice(0, 6)}…) is in the log`).toBe(false);
    }
    expect(log).not.toMatch(/sat1\.[A-Za-z0-9_-]{20,}/);
    expect(log).not.toMatch(/rt_[A-Za-z0-9_-]{20,}/);
    expect(log).not.toMatch(/"(password|newPassword|currentPassword|code|answer)":"(?!\[redacted\])/);
  });
});
