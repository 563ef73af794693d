import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/api/policy.js';
import { BuiltinDirectory } from '../../src-server/directory/builtin-directory.js';
import type { DirectoryUser } from '../../src-server/directory/directory.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const PW = 'Initial-Passw0rd!';
const DAY = 86_400_000;
let t: TestServer;
let n = 0;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await t.setPolicy((p) => Object.assign(p, structuredClone(DEFAULT_POLICY)));
});

function builtin(): BuiltinDirectory {
  return t.server.services.directory as BuiltinDirectory;
}

/** A fresh user and an access token for them. */
async function signedInUser(extra: { groups?: string[]; email?: string; isAdmin?: boolean } = {}): Promise<{ user: DirectoryUser; token: string }> {
  const user = await t.addUser({ username: `user${++n}`, ...extra });
  const r = await t.api('POST', '/auth/sign-in', { body: { username: user.username, password: PW } });
  expect(r.status).toBe(200);
  return { user, token: r.body.accessToken };
}

async function status(token: string) {
  const r = await t.api('GET', '/me/status', { token });
  expect(r.status).toBe(200);
  return r.body;
}

/** Methods an administrator set on the user's behalf (R4). */
async function giveMethods(user: DirectoryUser, ...types: Array<'email' | 'mobilePhone' | 'officePhone'>) {
  const s = t.server.services;
  for (const type of types) {
    const data = type === 'email' ? { address: `${user.username}@alt.example.org` } : { number: '+81 9012345678' };
    await s.methods.insert(s.db, { subjectId: user.id, type, source: 'admin', verified: true, hint: 'x•••', data } as never);
  }
}

describe('GET /me/status — password', () => {
  it('R16: counts the days to expiry and warns from the largest threshold on', async () => {
    const { user, token } = await signedInUser();
    let s = await status(token);
    expect(s.password.lastChangedAt).toBe(t.clock.now().toISOString());
    expect(s.password.expiresAt).toBe(new Date(t.clock.now().getTime() + 90 * DAY).toISOString());
    expect(s.password.daysUntilExpiry).toBe(90);
    expect(s.password.warn).toBe(false);
    expect(s.password.mustChange).toBe(false);
    expect(s.password.warningDays).toEqual([14, 7, 3, 1]);
    expect(s.checkedAt).toBe(t.clock.now().toISOString());
    // 76 days later: 14 left → warn.
    await t.server.services.db.updateTable('users').set({ password_changed_at: t.clock.now().getTime() - 76 * DAY }).where('id', '=', user.id).execute();
    s = await status(token);
    expect(s.password.daysUntilExpiry).toBe(14);
    expect(s.password.warn).toBe(true);
  });

  it('R16: thresholds come from the policy', async () => {
    await t.setPolicy((p) => {
      p.password.expiryWarningDays = [30, 5];
    });
    const { user, token } = await signedInUser();
    await t.server.services.db.updateTable('users').set({ password_changed_at: t.clock.now().getTime() - 61 * DAY }).where('id', '=', user.id).execute();
    const s = await status(token);
    expect(s.password.warningDays).toEqual([30, 5]);
    expect(s.password.daysUntilExpiry).toBe(29);
    expect(s.password.warn).toBe(true);
  });

  it('R16: a password that never expires has no expiry and never warns', async () => {
    const { user, token } = await signedInUser();
    await builtin().updateUser(user.id, { neverExpires: true });
    await t.server.services.db.updateTable('users').set({ password_changed_at: t.clock.now().getTime() - 400 * DAY }).where('id', '=', user.id).execute();
    const s = await status(token);
    expect(s.password.expiresAt).toBeNull();
    expect(s.password.daysUntilExpiry).toBeNull();
    expect(s.password.warn).toBe(false);
    expect(s.password.mustChange).toBe(false);
  });

  it('R16: with maxAgeDays 0 no password expires', async () => {
    await t.setPolicy((p) => {
      p.password.maxAgeDays = 0;
    });
    const { token } = await signedInUser();
    const s = await status(token);
    expect(s.password.expiresAt).toBeNull();
    expect(s.password.warn).toBe(false);
  });

  it('R15: a must-change flag set after sign-in shows mustChange and warn', async () => {
    const { user, token } = await signedInUser();
    await builtin().updateUser(user.id, { mustChange: true });
    const s = await status(token);
    expect(s.password.mustChange).toBe(true);
    expect(s.password.warn).toBe(true);
  });
});

describe('GET /me/status — registration', () => {
  it('R5: an unregistered user in scope must register when the policy asks for it at sign-in', async () => {
    const { token } = await signedInUser();
    let s = await status(token);
    expect(s.registration).toMatchObject({ registered: false, required: 1, methods: [], mustRegister: true, reconfirmDueAt: null, mustReconfirm: false });
    expect(s.inScope).toBe(true);
    await t.setPolicy((p) => {
      p.sspr.requireRegistrationAtSignIn = false;
    });
    s = await status(token);
    expect(s.registration.mustRegister).toBe(false);
  });

  it('R4: methods set by an administrator count as registered without the user proving them', async () => {
    const { user, token } = await signedInUser();
    await giveMethods(user, 'mobilePhone');
    const s = await status(token);
    expect(s.registration).toMatchObject({ registered: true, methods: ['mobilePhone'], mustRegister: false });
  });

  it('R10: an administrator needs two methods whatever the policy says', async () => {
    const { user, token } = await signedInUser({ isAdmin: true });
    await giveMethods(user, 'mobilePhone');
    expect((await status(token)).registration).toMatchObject({ registered: false, required: 2, mustRegister: true });
    await giveMethods(user, 'officePhone');
    expect((await status(token)).registration).toMatchObject({ registered: true, required: 2 });
  });

  it('R6: reconfirmation falls due reconfirmAfterDays after the last confirmation; 0 never asks', async () => {
    const { user, token } = await signedInUser();
    await giveMethods(user, 'email');
    const s = t.server.services;
    const confirmedAt = t.clock.now().getTime() - 181 * DAY;
    await s.db.insertInto('registrations').values({ subject_id: user.id, confirmed_at: confirmedAt, updated_at: confirmedAt }).execute();
    let st = await status(token);
    expect(st.registration.reconfirmDueAt).toBe(new Date(confirmedAt + 180 * DAY).toISOString());
    expect(st.registration.mustReconfirm).toBe(true);
    await t.setPolicy((p) => {
      p.sspr.reconfirmAfterDays = 0;
    });
    st = await status(token);
    expect(st.registration.reconfirmDueAt).toBeNull();
    expect(st.registration.mustReconfirm).toBe(false);
  });

  it('R1: widening the scope none → selected → all never asks a registered user to register again', async () => {
    const { user, token } = await signedInUser({ groups: ['sspr-pilot'] });
    await giveMethods(user, 'mobilePhone');
    const seen: Array<[boolean, boolean, boolean]> = [];
    for (const scope of [{ mode: 'none', groups: [] }, { mode: 'selected', groups: ['sspr-pilot'] }, { mode: 'all', groups: [] }] as const) {
      await t.setPolicy((p) => {
        p.sspr.scope = { mode: scope.mode, groups: [...scope.groups] };
      });
      const s = await status(token);
      seen.push([s.inScope, s.registration.registered, s.registration.mustRegister]);
    }
    expect(seen).toEqual([
      [false, true, false],
      [true, true, false],
      [true, true, false],
    ]);
  });

  it('R14: removing a user from the SSPR group takes them out of scope', async () => {
    const { user, token } = await signedInUser({ groups: ['sspr-users'] });
    await t.setPolicy((p) => {
      p.sspr.scope = { mode: 'selected', groups: ['sspr-users'] };
    });
    expect((await status(token)).inScope).toBe(true);
    await builtin().removeMember('sspr-users', user.id);
    const s = await status(token);
    expect(s.inScope).toBe(false);
    // Out of scope: nobody is asked to register for something they cannot use.
    expect(s.registration.mustRegister).toBe(false);
  });

  it('answers unauthorized once the account is gone', async () => {
    const { user, token } = await signedInUser();
    await builtin().deleteUser(user.id);
    const r = await t.api('GET', '/me/status', { token });
    expect(r.status).toBe(401);
  });
});
