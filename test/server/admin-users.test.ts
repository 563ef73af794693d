import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuiltinDirectory } from '../../src-server/directory/builtin-directory.js';
import { registrationThrottleKey, resetThrottleKey } from '../../src-server/throttle/keys.js';
import { ThrottleStore } from '../../src-server/store/throttle-store.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { BuiltinDirectoryStore } from '../../src-server/store/builtin-directory-store.js';

const PW = 'Initial-Passw0rd!';
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

function admin(method: string, path: string, body?: unknown) {
  return t.api(method, path, { token: t.adminToken, body });
}

async function adminEvents(type: string, user: string | null = null) {
  let q = t.server.services.db.selectFrom('audit_events').selectAll().where('type', '=', type);
  if (user) q = q.where('username', '=', user);
  return (await q.orderBy('id').execute()).map((e) => ({ ...e, detail: e.detail ? JSON.parse(e.detail) : null }));
}

describe('admin users (built-in directory)', () => {
  it('creates a user, answers it as AdminUser, and audits it with the actor', async () => {
    const r = await admin('POST', '/admin/users', { username: 'uma', password: PW, displayName: 'Uma Thurman', email: 'uma@example.com', groups: ['sales'] });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({
      username: 'uma', displayName: 'Uma Thurman', email: 'uma@example.com', isAdmin: false, disabled: false, locked: false,
      groups: ['sales'], passwordLastChangedAt: t.clock.now().toISOString(), mustChangePassword: false, methods: [], registered: false,
    });
    expect((await adminEvents('admin.user', 'uma')).at(-1)).toMatchObject({ actor: 'bootstrap', result: 'success', detail: { action: 'create' } });
    expect(JSON.stringify(await adminEvents('admin.user', 'uma'))).not.toContain(PW);
    expect((await t.api('POST', '/auth/sign-in', { body: { username: 'uma', password: PW } })).status).toBe(200);
  });

  it('a duplicate user name (any case or width) is a conflict; an unknown one is not_found', async () => {
    await admin('POST', '/admin/users', { username: 'victor', password: PW, displayName: 'Victor' });
    for (const username of ['victor', 'VICTOR', 'ＶＩＣＴＯＲ']) {
      const dup = await admin('POST', '/admin/users', { username, password: PW, displayName: 'Other' });
      expect(dup.status, username).toBe(409);
      expect(dup.body.code).toBe('conflict');
    }
    for (const [m, p] of [['GET', '/admin/users/ghost'], ['PATCH', '/admin/users/ghost'], ['DELETE', '/admin/users/ghost'], ['PUT', '/admin/users/ghost/methods']] as const) {
      const r = await admin(m, p, m === 'GET' || m === 'DELETE' ? undefined : {});
      expect(r.status, `${m} ${p}`).toBe(404);
      expect(r.body.code).toBe('not_found');
    }
  });

  it('R18b: an initial password must meet the product policy', async () => {
    const r = await admin('POST', '/admin/users', { username: 'wendy', password: 'short', displayName: 'Wendy' });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('password_policy');
    expect((await admin('GET', '/admin/users/wendy')).status).toBe(404);
  });

  it('lists users with cursor paging and a search', async () => {
    for (const n of ['list-a', 'list-b', 'list-c']) await t.addUser({ username: n });
    const first = await admin('GET', '/admin/users?q=list-&limit=2');
    expect(first.body.users.map((u: { username: string }) => u.username)).toEqual(['list-a', 'list-b']);
    const second = await admin('GET', `/admin/users?q=list-&limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body.users.map((u: { username: string }) => u.username)).toEqual(['list-c']);
    expect(second.body.nextCursor).toBeNull();
  });

  it('PATCH with a password is an administrator\'s reset: must change at next sign-in, sessions revoked, user told', async () => {
    await t.addUser({ username: 'xena', email: 'xena@example.com' });
    const before = (await t.api('POST', '/auth/sign-in', { body: { username: 'xena', password: PW } })).body;
    const r = await admin('PATCH', '/admin/users/xena', { password: 'Temporary-Maple-93!' });
    expect(r.status).toBe(200);
    expect(r.body.mustChangePassword).toBe(true);
    expect((await t.api('GET', '/me/status', { token: before.accessToken })).status).toBe(401);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: before.refreshToken } })).status).toBe(401);
    const signIn = await t.api('POST', '/auth/sign-in', { body: { username: 'xena', password: 'Temporary-Maple-93!' } });
    expect(signIn.body.code).toBe('password_expired');
    const mail = await t.smtp.waitFor('xena@example.com');
    expect(mail.subject).toMatch(/reset/);
    expect(mail.text).not.toContain('Temporary-Maple-93!');
    const ev = (await adminEvents('admin.user', 'xena')).at(-1)!;
    expect(ev.detail).toMatchObject({ action: 'update', passwordReset: true });
    expect(JSON.stringify(ev)).not.toContain('Temporary-Maple-93!');
  });

  it('PATCH edits fields, audits before/after, and disabling ends the user\'s sessions', async () => {
    await t.addUser({ username: 'yuri', displayName: 'Yuri' });
    const session = (await t.api('POST', '/auth/sign-in', { body: { username: 'yuri', password: PW } })).body;
    const r = await admin('PATCH', '/admin/users/yuri', { displayName: 'Yuri Gagarin', disabled: true, groups: ['pilots'], isAdmin: false });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ displayName: 'Yuri Gagarin', disabled: true, groups: ['pilots'] });
    expect((await adminEvents('admin.user', 'yuri')).at(-1)!.detail.changes).toEqual({
      displayName: { before: 'Yuri', after: 'Yuri Gagarin' },
      disabled: { before: false, after: true },
      groups: { before: [], after: ['pilots'] },
    });
    expect((await t.api('GET', '/me/status', { token: session.accessToken })).status).toBe(401);
    expect((await t.api('POST', '/auth/sign-in', { body: { username: 'yuri', password: PW } })).body.code).toBe('forbidden');
  });

  it('demoting an administrator ends their sessions (tokens carry isAdmin)', async () => {
    await t.addUser({ username: 'ada', isAdmin: true });
    const session = (await t.api('POST', '/auth/sign-in', { body: { username: 'ada', password: PW } })).body;
    expect(session.user.isAdmin).toBe(true);
    expect((await admin('PATCH', '/admin/users/ada', { isAdmin: false })).body.isAdmin).toBe(false);
    expect((await t.api('GET', '/me/status', { token: session.accessToken })).status).toBe(401);
    expect((await t.api('POST', '/auth/sign-in', { body: { username: 'ada', password: PW } })).body.user.isAdmin).toBe(false);
  });

  it('unlock clears the directory lockout and the SSPR (R11a) lockout and counters', async () => {
    const zoe = await t.addUser({ username: 'zoe' });
    await admin('PUT', '/admin/users/zoe/methods', { email: 'zoe.alt@example.org' });
    for (let i = 0; i < 10; i++) await t.api('POST', '/auth/sign-in', { body: { username: 'zoe', password: `nope-${i}` } });
    // Locked out of reset too, through the real reset flow: wrong codes until R11a locks.
    const session = (await t.api('POST', '/reset/sessions', { body: { username: 'zoe' } })).body;
    const challenge = (await t.api('POST', '/reset/session/challenges', { token: session.sessionToken, body: { methodId: session.methods[0].id } })).body;
    let last = '';
    for (let i = 0; i < 10 && last !== 'locked_out'; i++) {
      last = (await t.api('POST', `/reset/session/challenges/${challenge.challengeId}/verify`, { token: session.sessionToken, body: { code: '000000' } })).body.code;
    }
    expect(last).toBe('locked_out');
    const db = t.server.services.db;
    const key = resetThrottleKey(zoe.id);
    expect(await new ThrottleStore(t.clock).activeLock(db, key)).not.toBeNull();
    expect((await admin('GET', '/admin/users/zoe')).body.locked).toBe(true);

    // A registration-code counter of hers, which the unlock clears as well.
    await db.insertInto('throttle_events').values({ throttle_key: registrationThrottleKey(zoe.id), kind: 'email.sent', at: t.clock.now().getTime() }).execute();
    const r = await admin('PATCH', '/admin/users/zoe', { unlock: true });
    expect(r.body.locked).toBe(false);
    expect(await new ThrottleStore(t.clock).activeLock(db, key)).toBeNull();
    expect(await db.selectFrom('throttle_events').select('id').where('throttle_key', '=', key).execute()).toEqual([]);
    expect(await db.selectFrom('throttle_events').select('id').where('throttle_key', '=', registrationThrottleKey(zoe.id)).execute()).toEqual([]);
    expect((await t.api('POST', '/auth/sign-in', { body: { username: 'zoe', password: PW } })).status).toBe(200);
    const again = (await t.api('POST', '/reset/sessions', { body: { username: 'zoe' } })).body;
    expect((await t.api('GET', '/reset/session', { token: again.sessionToken })).body.state).toBe('verifying');
    expect((await adminEvents('admin.user', 'zoe')).at(-1)!.detail).toMatchObject({ unlocked: true });
  });

  it('DELETE removes the user and their registration data, and their tokens stop working', async () => {
    await t.addUser({ username: 'abel' });
    const session = (await t.api('POST', '/auth/sign-in', { body: { username: 'abel', password: PW } })).body;
    await admin('PUT', '/admin/users/abel/methods', { mobilePhone: '+81 9011112222' });
    expect((await admin('DELETE', '/admin/users/abel')).status).toBe(204);
    expect((await admin('GET', '/admin/users/abel')).status).toBe(404);
    expect((await t.api('GET', '/me/status', { token: session.accessToken })).status).toBe(401);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: session.refreshToken } })).status).toBe(401);
    // A new account with the same name starts with nothing.
    await t.addUser({ username: 'abel' });
    expect((await admin('GET', '/admin/users/abel')).body.methods).toEqual([]);
  });
});

describe('PUT /admin/users/{username}/methods (R4)', () => {
  it('R4: contact methods set on the user\'s behalf count as registered without the user proving them', async () => {
    await t.addUser({ username: 'bea', email: 'bea@example.com' });
    const r = await admin('PUT', '/admin/users/bea/methods', { email: 'bea.private@example.org', mobilePhone: '+81 9012345678' });
    expect(r.status).toBe(200);
    expect(r.body.registered).toBe(true);
    // Both are written in the same millisecond: their order is by id, so compare as a set.
    expect([...r.body.methods].sort((a: { type: string }, b: { type: string }) => a.type.localeCompare(b.type))).toEqual([
      { id: expect.any(String), type: 'email', hint: 'b•••@example.org', source: 'admin' },
      { id: expect.any(String), type: 'mobilePhone', hint: '+81 ••• •••• ••78', source: 'admin' },
    ]);
    const token = (await t.api('POST', '/auth/sign-in', { body: { username: 'bea', password: PW } })).body.accessToken;
    expect((await t.api('GET', '/me/status', { token })).body.registration).toMatchObject({ registered: true, mustRegister: false });
    const ev = (await adminEvents('admin.methods', 'bea')).at(-1)!;
    expect(ev).toMatchObject({ actor: 'bootstrap', result: 'success' });
    expect(JSON.stringify(ev)).not.toContain('9012345678');
    expect(JSON.stringify(ev)).not.toContain('bea.private');
  });

  it('R7: the admin view never shows the full number, address or any secret', async () => {
    await t.addUser({ username: 'cid' });
    const r = await admin('PUT', '/admin/users/cid/methods', { officePhone: '+1 2125550147', email: 'cid.home@example.net' });
    const text = JSON.stringify(r.body);
    expect(text).not.toContain('2125550147');
    expect(text).not.toContain('cid.home');
    const stored = await t.server.services.db.selectFrom('methods').select('data').execute();
    expect(JSON.stringify(stored)).not.toContain('2125550147');
  });

  it('replaces a method on a second PUT, null removes it, an absent field is left alone', async () => {
    await t.addUser({ username: 'dora' });
    await admin('PUT', '/admin/users/dora/methods', { mobilePhone: '+81 9000000001', officePhone: '+81 300000002' });
    let r = await admin('PUT', '/admin/users/dora/methods', { mobilePhone: '+81 9000000099' });
    expect(r.body.methods.map((m: { type: string; hint: string }) => `${m.type}:${m.hint}`).sort()).toEqual(['mobilePhone:+81 ••• •••• ••99', 'officePhone:+81 ••• •••• ••02']);
    r = await admin('PUT', '/admin/users/dora/methods', { officePhone: null });
    expect(r.body.methods.map((m: { type: string }) => m.type)).toEqual(['mobilePhone']);
  });

  it('R3: the account\'s own address cannot be its reset email; bad numbers are invalid_request', async () => {
    await t.addUser({ username: 'eve', email: 'eve@example.com' });
    const own = await admin('PUT', '/admin/users/eve/methods', { email: 'EVE@example.com' });
    expect(own.status).toBe(400);
    expect(own.body.code).toBe('invalid_request');
    const bad = await admin('PUT', '/admin/users/eve/methods', { mobilePhone: '090-1234-5678' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_request');
  });
});

describe('admin groups', () => {
  it('creates, lists, adds and removes members, deletes — each audited', async () => {
    await t.addUser({ username: 'gus' });
    await t.addUser({ username: 'hal' });
    const created = await admin('POST', '/admin/groups', { name: 'Helpdesk', description: 'First line', members: ['gus'] });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ name: 'Helpdesk', description: 'First line', members: ['gus'] });
    expect((await admin('POST', '/admin/groups', { name: 'helpdesk' })).body.code).toBe('conflict');
    expect((await admin('PUT', '/admin/groups/Helpdesk/members/hal')).body.members).toEqual(['gus', 'hal']);
    expect((await admin('DELETE', '/admin/groups/helpdesk/members/gus')).body.members).toEqual(['hal']);
    expect((await admin('GET', '/admin/groups')).body.groups).toContainEqual({ name: 'Helpdesk', description: 'First line', members: ['hal'] });
    expect((await admin('DELETE', '/admin/groups/Helpdesk')).status).toBe(204);
    expect((await admin('PUT', '/admin/groups/Helpdesk/members/hal')).body.code).toBe('not_found');
    const actions = (await adminEvents('admin.group')).map((e) => e.detail.action);
    expect(actions).toEqual(expect.arrayContaining(['create', 'addMember', 'removeMember', 'delete']));
  });

  it('unknown members and groups are not_found', async () => {
    expect((await admin('POST', '/admin/groups', { name: 'ops', members: ['nobody-at-all'] })).body.code).toBe('not_found');
    expect((await admin('DELETE', '/admin/groups/no-such-group')).body.code).toBe('not_found');
    await admin('POST', '/admin/groups', { name: 'ops2' });
    expect((await admin('PUT', '/admin/groups/ops2/members/nobody-at-all')).body.code).toBe('not_found');
  });

  it('R14: removing a member of the SSPR group takes them out of scope; the scope\'s group cannot be deleted', async () => {
    await t.addUser({ username: 'ian' });
    await admin('POST', '/admin/groups', { name: 'sspr-enabled', members: ['ian'] });
    await t.setPolicy((p) => {
      p.sspr.scope = { mode: 'selected', groups: ['sspr-enabled'] };
    });
    try {
      const token = (await t.api('POST', '/auth/sign-in', { body: { username: 'ian', password: PW } })).body.accessToken;
      expect((await t.api('GET', '/me/status', { token })).body.inScope).toBe(true);
      await admin('DELETE', '/admin/groups/sspr-enabled/members/ian');
      expect((await t.api('GET', '/me/status', { token })).body.inScope).toBe(false);
      const del = await admin('DELETE', '/admin/groups/sspr-enabled');
      expect(del.status).toBe(409);
      expect(del.body.code).toBe('conflict');
    } finally {
      await t.setPolicy((p) => {
        p.sspr.scope = { mode: 'all', groups: [] };
      });
    }
  });
});

describe('admin routes and other directories', () => {
  it('refuse missing or wrong tokens, and user access tokens', async () => {
    await t.addUser({ username: 'jon', isAdmin: true });
    const userToken = (await t.api('POST', '/auth/sign-in', { body: { username: 'jon', password: PW } })).body.accessToken;
    for (const token of [undefined, 'adm_wrong', userToken, t.adminToken + 'x']) {
      const r = await t.api('GET', '/admin/users', { token });
      expect(r.status).toBeGreaterThanOrEqual(401);
      expect(r.status).toBeLessThanOrEqual(403);
    }
  });

  it('user management answers conflict when the directory is not the built-in one', async () => {
    const other = await startTestServer({
      overrides: {
        // The built-in directory's behaviour behind another class: what an LDAP directory looks like to the flows.
        directory: (s) => {
          const inner = new BuiltinDirectory(new BuiltinDirectoryStore(s.db), s.clock, () => s.policy.get(), s.hashParams);
          return {
            kind: 'openldap' as const,
            findUser: (u) => inner.findUser(u),
            findUserById: (id) => inner.findUserById(id),
            findAccountById: (id) => inner.findAccountById(id),
            isMember: (u, g) => inner.isMember(u, g),
            verifyPassword: (u, p) => inner.verifyPassword(u, p),
            resetPassword: (u, p, o) => inner.resetPassword(u, p, o),
            changePassword: (u, c, n, b) => inner.changePassword(u, c, n, b),
            unlock: (u) => inner.unlock(u),
            listAdmins: () => inner.listAdmins(),
            forEachExpiring: (w, n, f) => inner.forEachExpiring(w, n, f),
            forEachUser: (n, f) => inner.forEachUser(n, f),
            ping: () => inner.ping(),
            close: () => inner.close(),
            seed: (input: Parameters<BuiltinDirectory['createUser']>[0]) => inner.createUser(input),
          };
        },
      },
    });
    try {
      const dir = other.server.services.directory as unknown as { seed(u: { username: string; password: string; displayName: string }): Promise<unknown> };
      await dir.seed({ username: 'kim', password: PW, displayName: 'Kim' });
      const call = (m: string, p: string, body?: unknown) => other.api(m, p, { token: other.adminToken, body });
      expect((await call('POST', '/admin/users', { username: 'lee', password: PW, displayName: 'Lee' })).body.code).toBe('conflict');
      expect((await call('GET', '/admin/users')).body.code).toBe('conflict');
      expect((await call('PATCH', '/admin/users/kim', { displayName: 'K' })).body.code).toBe('conflict');
      // Reading, resetting, unlocking and R4 contact methods work with any directory.
      expect((await call('GET', '/admin/users/kim')).status).toBe(200);
      expect((await call('PUT', '/admin/users/kim/methods', { mobilePhone: '+81 9012345678' })).body.registered).toBe(true);
      expect((await call('PATCH', '/admin/users/kim', { password: 'Temporary-Maple-93!', unlock: true })).body.mustChangePassword).toBe(true);
    } finally {
      await other.close();
    }
  });
});
