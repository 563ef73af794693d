import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { addPolicy, startSlapd, type Slapd } from '../helpers/slapd.js';
import { mailedCode, methodOf, nextPhoneMessage, phoneCode, startReset } from '../helpers/reset-helpers.js';

/**
 * The real server on a real slapd (ppolicy), driven through the HTTP API: every flow's
 * outcome is checked against the directory itself (a bind with ldapwhoami, the entry's
 * operational attributes). The server clock starts at the real time because slapd's own
 * clock is real.
 */
let slapd: Slapd;
let t: TestServer;

beforeAll(async () => {
  slapd = await startSlapd();
  await slapd.addUser({ uid: 'sato', cn: 'Hanako Sato', password: 'Sato-First-Passw0rd', mail: 'sato@corp.example', otherMailbox: 'sato.home@mail.example' });
  await slapd.addUser({ uid: 'tanaka', cn: 'Ichiro Tanaka', password: 'Tanaka-First-Passw0rd', mail: 'tanaka@corp.example', mobile: '+81 90-5555-0101' });
  await slapd.addUser({ uid: 'suzuki', cn: 'Jiro Suzuki', password: 'Suzuki-First-Passw0rd', mail: 'suzuki@corp.example', otherMailbox: 'suzuki.home@mail.example' });
  await slapd.addUser({ uid: 'kato', cn: 'Mei Kato', password: 'Kato-First-Passw0rd', mail: 'kato@corp.example', policy: await addPolicy(slapd, 'ten-days', { pwdMaxAge: 10 * 86400 }) });
  await slapd.addUser({ uid: 'ito', cn: 'Ren Ito', password: 'Ito-First-Passw0rd', mail: 'ito@corp.example', otherMailbox: 'ito.home@mail.example' });
  await slapd.addUser({ uid: 'mori', cn: 'Sora Mori', password: 'Mori-First-Passw0rd', otherMailbox: 'mori.home@mail.example' });
  await slapd.addUser({ uid: 'carol', cn: 'Carol Admin', password: 'Carol-First-Passw0rd' });
  await slapd.addGroup('sspr-users', ['sato', 'tanaka', 'kato', 'ito', 'mori']);
  await slapd.addGroup('sspr-admins', ['carol']);
  t = await startTestServer({
    startAt: new Date().toISOString(),
    env: {
      ...slapd.serverEnv(),
      SSPR_LDAP_ADMIN_GROUP: 'sspr-admins',
      SSPR_LDAP_TIMEOUT_MS: '1500',
    },
  });
  await t.setPolicy((p) => {
    p.sspr.scope = { mode: 'selected', groups: ['sspr-users'] };
  });
}, 60_000);

afterAll(async () => {
  await t?.close();
  await slapd?.close();
});

async function signIn(username: string, password: string) {
  return t.api('POST', '/auth/sign-in', { body: { username, password } });
}

/** A reset session for `username` with its email gate (the directory's alternate address) passed. */
async function verifiedByEmail(username: string, address: string): Promise<string> {
  const s = await startReset(t, username);
  const before = t.smtp.mails.length;
  const ch = await t.api('POST', '/reset/session/challenges', { token: s.sessionToken, body: { methodId: methodOf(s, 'email') } });
  expect(ch.status).toBe(201);
  const code = await mailedCode(t, address, before);
  const v = await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: s.sessionToken, body: { code } });
  expect(v.body).toMatchObject({ complete: true });
  return s.sessionToken;
}

describe('SSPR on OpenLDAP through the HTTP API', () => {
  it('R4, R18a, R18c: a user locked out by the directory resets with the alternate-email attribute and is unlocked', async () => {
    for (let i = 0; i < 5; i++) expect((await signIn('sato', 'not-my-password')).status).toBe(401);
    const locked = await signIn('sato', 'Sato-First-Passw0rd');
    expect(locked.status).toBe(423);
    expect(locked.body.code).toBe('locked_out');
    expect((await slapd.read(slapd.userDn('sato'), ['pwdAccountLockedTime'])).pwdAccountLockedTime).toHaveLength(1);

    const s = await startReset(t, 'sato');
    expect(s.methods).toEqual([{ id: expect.any(String), type: 'email', hint: 's•••@mail.example' }]);
    const token = await verifiedByEmail('sato', 'sato.home@mail.example');
    const set = await t.api('POST', '/reset/session/password', { token, body: { newPassword: 'Quiet-Harbor-Lantern-72', unlockAccount: true } });
    expect(set.status).toBe(200);
    expect(set.body.unlocked).toBe(true);
    expect(await slapd.canBind(slapd.userDn('sato'), 'Quiet-Harbor-Lantern-72')).toBe(true);
    expect(await slapd.canBind(slapd.userDn('sato'), 'Sato-First-Passw0rd')).toBe(false);
    expect(await slapd.read(slapd.userDn('sato'), ['pwdAccountLockedTime'])).toEqual({});
    expect((await signIn('sato', 'Quiet-Harbor-Lantern-72')).status).toBe(200);
  });

  it('R3, R4: a reset by SMS to the directory\'s mobile number, through the gateway peer', async () => {
    const s = await startReset(t, 'tanaka@corp.example');
    expect(s.methods).toEqual([{ id: expect.any(String), type: 'mobilePhone', hint: '+81 ••• •••• ••01' }]);
    const before = t.gateway.messages.length;
    const ch = await t.api('POST', '/reset/session/challenges', { token: s.sessionToken, body: { methodId: methodOf(s, 'mobilePhone'), channel: 'sms' } });
    expect(ch.status).toBe(201);
    const code = phoneCode(await nextPhoneMessage(t, '+81 9055550101', before));
    expect((await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: s.sessionToken, body: { code } })).body.complete).toBe(true);
    expect((await t.api('POST', '/reset/session/password', { token: s.sessionToken, body: { newPassword: 'Copper-Meadow-Violin-58', unlockAccount: true } })).status).toBe(200);
    expect(await slapd.canBind(slapd.userDn('tanaka'), 'Copper-Meadow-Violin-58')).toBe(true);
  });

  it('R18b: ppolicy history (error 8) answers password_policy with the directory\'s reason; the session stays ready for another try', async () => {
    const token = await verifiedByEmail('sato', 'sato.home@mail.example');
    const again = await t.api('POST', '/reset/session/password', { token, body: { newPassword: 'Quiet-Harbor-Lantern-72', unlockAccount: true } });
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({ code: 'password_policy', violations: [{ rule: 'history', message: expect.stringContaining('last 5') }] });
    expect((await t.api('GET', '/reset/session', { token })).body.state).toBe('ready');
    const other = await t.api('POST', '/reset/session/password', { token, body: { newPassword: 'Silver-Canyon-Orchid-31', unlockAccount: true } });
    expect(other.status).toBe(200);
    expect(await slapd.canBind(slapd.userDn('sato'), 'Silver-Canyon-Orchid-31')).toBe(true);
  });

  it('R15, R18b: POST /me/password changes the password as the user; the directory\'s history refusal comes back', async () => {
    const signedIn = await signIn('tanaka', 'Copper-Meadow-Violin-58');
    expect(signedIn.status).toBe(200);
    const token = signedIn.body.accessToken as string;
    const changed = await t.api('POST', '/me/password', { token, body: { currentPassword: 'Copper-Meadow-Violin-58', newPassword: 'Amber-Glacier-Pilot-94' } });
    expect(changed.status).toBe(200);
    expect(await slapd.canBind(slapd.userDn('tanaka'), 'Amber-Glacier-Pilot-94')).toBe(true);
    const again = (await signIn('tanaka', 'Amber-Glacier-Pilot-94')).body.accessToken as string;
    const back = await t.api('POST', '/me/password', { token: again, body: { currentPassword: 'Amber-Glacier-Pilot-94', newPassword: 'Copper-Meadow-Violin-58' } });
    expect(back.status).toBe(422);
    expect(back.body.violations).toEqual([{ rule: 'history', message: expect.stringContaining('last 5') }]);
    expect(await slapd.canBind(slapd.userDn('tanaka'), 'Amber-Glacier-Pilot-94')).toBe(true);
  });

  it('R16, R15: expiry from pwdChangedTime + pwdMaxAge warns as the server clock moves, then forces a change at sign-in', async () => {
    const token = (await signIn('kato', 'Kato-First-Passw0rd')).body.accessToken as string;
    const changed = (await slapd.read(slapd.userDn('kato'), ['pwdChangedTime'])).pwdChangedTime![0]!;
    const status = await t.api('GET', '/me/status', { token });
    expect(status.status).toBe(200);
    const expectedExpiry = new Date(Date.UTC(+changed.slice(0, 4), +changed.slice(4, 6) - 1, +changed.slice(6, 8), +changed.slice(8, 10), +changed.slice(10, 12), +changed.slice(12, 14)) + 10 * 86_400_000);
    expect(status.body.password).toMatchObject({ expiresAt: expectedExpiry.toISOString(), daysUntilExpiry: 10, warn: true, mustChange: false });
    t.clock.advanceDays(8);
    const later = (await signIn('kato', 'Kato-First-Passw0rd')).body.accessToken as string;
    expect((await t.api('GET', '/me/status', { token: later })).body.password).toMatchObject({ daysUntilExpiry: 2, warn: true, mustChange: false });
    t.clock.advanceDays(3);
    try {
      const expired = await signIn('kato', 'Kato-First-Passw0rd');
      expect(expired.status).toBe(403);
      expect(expired.body.code).toBe('password_expired');
      const change = await t.api('POST', '/me/password', { token: expired.body.changeToken, body: { currentPassword: 'Kato-First-Passw0rd', newPassword: 'Maple-Lighthouse-Tiger-63' } });
      expect(change.status).toBe(200);
      expect(await slapd.canBind(slapd.userDn('kato'), 'Maple-Lighthouse-Tiger-63')).toBe(true);
    } finally {
      t.clock.set(new Date());
    }
  });

  it('R15: a password the directory itself has expired (no grace binds) answers password_expired and can be changed with the change token', async () => {
    await slapd.modify(`dn: ${slapd.userDn('ito')}\nchangetype: modify\nreplace: pwdChangedTime\npwdChangedTime: 20200101000000Z`, { relax: true });
    expect(await slapd.canBind(slapd.userDn('ito'), 'Ito-First-Passw0rd')).toBe(false);
    const expired = await signIn('ito', 'Ito-First-Passw0rd');
    expect(expired.body.code).toBe('password_expired');
    const change = await t.api('POST', '/me/password', { token: expired.body.changeToken, body: { currentPassword: 'Ito-First-Passw0rd', newPassword: 'Harbor-Falcon-Quartz-27' } });
    expect(change.status).toBe(200);
    expect(await slapd.canBind(slapd.userDn('ito'), 'Harbor-Falcon-Quartz-27')).toBe(true);
    expect((await signIn('ito', 'Harbor-Falcon-Quartz-27')).status).toBe(200);
  });

  it('R1, R14: scope by directory group — a member is in scope, a non-member is not; admins from the admin group (R10)', async () => {
    const member = (await signIn('sato', 'Silver-Canyon-Orchid-31')).body.accessToken as string;
    expect((await t.api('GET', '/me/status', { token: member })).body.inScope).toBe(true);
    const outsider = await signIn('suzuki', 'Suzuki-First-Passw0rd');
    expect(outsider.body.user).toMatchObject({ username: 'suzuki', isAdmin: false });
    expect((await t.api('GET', '/me/status', { token: outsider.body.accessToken })).body.inScope).toBe(false);
    const admin = await signIn('carol', 'Carol-First-Passw0rd');
    expect(admin.body.user).toMatchObject({ username: 'carol', isAdmin: true });
  });

  it('R19: an account locked by an administrator (000001010000Z) verifies like any other but cannot be reset', async () => {
    await slapd.modify(`dn: ${slapd.userDn('mori')}\nchangetype: modify\nadd: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z`, { relax: true });
    const token = await verifiedByEmail('mori', 'mori.home@mail.example');
    const set = await t.api('POST', '/reset/session/password', { token, body: { newPassword: 'Orchid-Tundra-Beacon-45', unlockAccount: true } });
    expect(set.status).toBe(403);
    expect(await slapd.canBind(slapd.userDn('mori'), 'Orchid-Tundra-Beacon-45')).toBe(false);
  });

  it('a directory that goes down mid-reset: directory_unavailable, nothing written, /readyz fails; the same session finishes once it is back', async () => {
    const token = await verifiedByEmail('sato', 'sato.home@mail.example');
    await slapd.stop();
    try {
      const down = await t.api('POST', '/reset/session/password', { token, body: { newPassword: 'Velvet-Summit-Anchor-19', unlockAccount: true } });
      expect(down.status).toBe(503);
      expect(down.body.code).toBe('directory_unavailable');
      expect((await t.api('GET', '/readyz')).status).toBe(503);
      expect((await signIn('sato', 'Silver-Canyon-Orchid-31')).body.code).toBe('directory_unavailable');
      const view = (await t.api('GET', '/reset/session', { token })).body;
      expect(view.state).toBe('ready');
      // What only the directory can tell (issue 13 item 3) is left out while it is down, not an error.
      expect(view).not.toHaveProperty('lastFailedSignInAt');
    } finally {
      await slapd.start();
    }
    expect((await t.api('GET', '/reset/session', { token })).body).toHaveProperty('lastFailedSignInAt');
    expect(await slapd.canBind(slapd.userDn('sato'), 'Silver-Canyon-Orchid-31')).toBe(true);
    expect((await t.api('GET', '/readyz')).status).toBe(200);
    const retry = await t.api('POST', '/reset/session/password', { token, body: { newPassword: 'Velvet-Summit-Anchor-19', unlockAccount: true } });
    expect(retry.status).toBe(200);
    expect(await slapd.canBind(slapd.userDn('sato'), 'Velvet-Summit-Anchor-19')).toBe(true);
  });

  it('a directory that stops answering: directory_unavailable within the timeout; retrying the same session succeeds', async () => {
    const token = await verifiedByEmail('sato', 'sato.home@mail.example');
    slapd.pause();
    try {
      const started = Date.now();
      const slow = await t.api('POST', '/reset/session/password', { token, body: { newPassword: 'Lunar-Bramble-Kettle-88', unlockAccount: true } });
      expect(slow.status).toBe(503);
      expect(slow.body.code).toBe('directory_unavailable');
      // At most two deadlines: the write's, then the look-up that asks whether it landed anyway
      // (usually the second fails at once: 1.5 s in all); a busy machine adds the slack.
      expect(Date.now() - started).toBeLessThan(2 * 1500 + 1000);
    } finally {
      slapd.resume();
    }
    // The write that timed out may land late; the retry is a success either way.
    const retry = await t.api('POST', '/reset/session/password', { token, body: { newPassword: 'Lunar-Bramble-Kettle-88', unlockAccount: true } });
    expect(retry.status).toBe(200);
    expect(await slapd.canBind(slapd.userDn('sato'), 'Lunar-Bramble-Kettle-88')).toBe(true);
  });
});

describe('R11 / R13b: a lockout follows the account the directory resolves, for unknown names too', () => {
  /** Five wrong emailed codes: the name is locked out of reset (R11a). */
  async function lockOut(username: string) {
    const s = await startReset(t, username);
    const ch = await t.api('POST', '/reset/session/challenges', { token: s.sessionToken, body: { methodId: methodOf(s, 'email') } });
    expect(ch.status).toBe(201);
    for (let i = 0; i < 5; i++) await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: s.sessionToken, body: { code: '000000' } });
    expect((await t.api('POST', '/reset/sessions', { body: { username } })).status).toBe(423);
  }
  const statusOf = async (username: string) => (await t.api('POST', '/reset/sessions', { body: { username } })).status;

  it('a real user and an unknown name answer alike under every alias', async () => {
    await lockOut('ito');
    await lockOut('nakamura');
    // ito@corp.example is ito's mail (the directory resolves it); the others it does not resolve.
    expect([await statusOf('ito@corp.example'), await statusOf('nakamura@corp.example')]).toEqual([423, 423]);
    expect([await statusOf('ito@example.org'), await statusOf('nakamura@example.org')]).toEqual([423, 423]);
    expect([await statusOf('ITO'), await statusOf('NAKAMURA')]).toEqual([423, 423]);
    expect([await statusOf('CORP\\ito'), await statusOf('CORP\\nakamura')]).toEqual([423, 423]);
    t.clock.advanceHours(25);
  });
});
