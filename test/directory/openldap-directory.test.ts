import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-server/clock.js';
import { DirectoryUnavailableError } from '../../src-server/directory/directory.js';
import { createLdapDirectory } from '../../src-server/directory/ldap/create-ldap-directory.js';
import type { LdapDirectory, LdapSettings } from '../../src-server/directory/ldap/ldap-directory.js';
import { addPolicy, startSlapd, type Slapd } from '../helpers/slapd.js';

let slapd: Slapd;
let dir: LdapDirectory;
const clock = new ManualClock(new Date());
/** What the adapter tells the operator. */
const warnings: string[] = [];
const log = { warn: (_details: Record<string, unknown>, message: string) => void warnings.push(message) };

function settings(s: Slapd, extra: Partial<LdapSettings> = {}): LdapSettings {
  return {
    url: s.url,
    bindDn: s.serviceDn,
    bindPassword: s.servicePassword,
    baseDn: s.baseDn,
    startTls: false,
    alternateEmailAttribute: 'otherMailbox',
    timeoutMs: 1500,
    adminGroup: 'sspr-admins',
    poolSize: 4,
    policyCacheMs: 0,
    ...extra,
  };
}

beforeAll(async () => {
  slapd = await startSlapd();
  await slapd.addUser({ uid: 'alice', cn: 'Alice Liddell', password: 'Alice-Passw0rd!', mail: 'alice@example.org', otherMailbox: 'alice.home@example.net', mobile: '+81 90-1234-5678', telephoneNumber: '+81 3 1234 5678' });
  await slapd.addUser({ uid: 'bob', password: 'Bob-Passw0rd!', mail: 'bob@example.org' });
  await slapd.addUser({ uid: 'carol', password: 'Carol-Passw0rd!' });
  await slapd.addUser({ uid: 'o*brien (x)', password: 'Obrien-Passw0rd!' });
  await slapd.addGroup('sspr-users', ['alice', 'o*brien (x)']);
  await slapd.addGroup('sspr-admins', ['carol']);
  dir = await createLdapDirectory(settings(slapd), clock, log);
});

afterAll(async () => {
  await dir?.close();
  await slapd?.close();
});

describe('OpenLDAP adapter: look-up', () => {
  it('reads the flavour from the root DSE', () => {
    expect(dir.kind).toBe('openldap');
    expect(warnings).toEqual([]);
  });

  it('finds a user by uid or mail; id is the entryUUID and survives a rename', async () => {
    const byUid = await dir.findUser('alice');
    const byMail = await dir.findUser('alice@example.org');
    expect(byUid).not.toBeNull();
    expect(byUid!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(byMail!.id).toBe(byUid!.id);
    expect(byUid).toMatchObject({ username: 'alice', displayName: 'Alice Liddell', email: 'alice@example.org', disabled: false, locked: false });
    await slapd.modify(`dn: ${slapd.userDn('bob')}\nchangetype: modrdn\nnewrdn: uid=robert\ndeleteoldrdn: 1`);
    const before = await dir.findUser('bob@example.org');
    const renamed = await dir.findUserById(before!.id);
    expect(renamed!.username).toBe('robert');
    expect(await dir.findUser('bob')).toBeNull();
    expect(await dir.findUserById('not-a-uuid')).toBeNull();
    expect(await dir.findUserById('00000000-0000-0000-0000-000000000000')).toBeNull();
  });

  it('R4: mobile, telephoneNumber and the alternate-email attribute become contact methods', async () => {
    const alice = await dir.findUser('alice');
    expect(alice!.contact).toEqual({ mobilePhone: '+81 9012345678', officePhone: '+81 312345678', alternateEmail: 'alice.home@example.net' });
    expect((await dir.findUser('carol'))!.contact).toEqual({ mobilePhone: null, officePhone: null, alternateEmail: null });
  });

  it('LDAP injection: filter metacharacters are matched literally (RFC 4515)', async () => {
    for (const hostile of ['*', '*)(uid=*', 'alice)(|(uid=*', 'al*', '(uid=alice)', 'alice\\', '\u0000', 'alice\u0000', ' ', '*)(objectClass=*))(|(uid=*']) {
      expect(await dir.findUser(hostile), hostile).toBeNull();
      expect((await dir.verifyPassword(hostile, 'Alice-Passw0rd!')).ok, hostile).toBe(false);
    }
    // A real name with the same characters is found exactly.
    const odd = await dir.findUser('o*brien (x)');
    expect(odd?.username).toBe('o*brien (x)');
    expect((await dir.verifyPassword('o*brien (x)', 'Obrien-Passw0rd!')).ok).toBe(true);
  });

  it('R1, R14: group membership by name or DN; admins from the admin group (R10)', async () => {
    const alice = (await dir.findUser('alice'))!;
    expect(alice.groups).toEqual(['sspr-users']);
    expect(await dir.isMember(alice, 'sspr-users')).toBe(true);
    expect(await dir.isMember(alice, 'SSPR-Users')).toBe(true);
    expect(await dir.isMember(alice, slapd.groupDn('sspr-users'))).toBe(true);
    expect(await dir.isMember(alice, 'sspr-admins')).toBe(false);
    expect(await dir.isMember(alice, slapd.groupDn('sspr-admins'))).toBe(false);
    expect(alice.isAdmin).toBe(false);
    const carol = (await dir.findUser('carol'))!;
    expect(carol.isAdmin).toBe(true);
    expect((await dir.listAdmins()).map((u) => u.username)).toEqual(['carol']);
  });
});

describe('OpenLDAP adapter: sign-in and writes (ppolicy)', () => {
  it('verifies passwords; an empty password never becomes an anonymous bind', async () => {
    expect(await dir.verifyPassword('alice', 'Alice-Passw0rd!')).toMatchObject({ ok: true, user: { username: 'alice' } });
    expect(await dir.verifyPassword('alice', 'wrong')).toEqual({ ok: false, reason: 'invalid' });
    expect(await dir.verifyPassword('alice', '')).toEqual({ ok: false, reason: 'invalid' });
    expect(await dir.verifyPassword('nobody', 'whatever')).toEqual({ ok: false, reason: 'invalid' });
  });

  it('R18a: reset is written by the service account and the directory itself accepts the new password', async () => {
    await slapd.addUser({ uid: 'dan', password: 'Dan-Passw0rd-1!' });
    const dan = (await dir.findUser('dan'))!;
    const r = await dir.resetPassword(dan, 'Dan-Reset-Passw0rd-2', { unlock: true });
    expect(r.ok).toBe(true);
    expect(await slapd.canBind(slapd.userDn('dan'), 'Dan-Reset-Passw0rd-2')).toBe(true);
    expect(await slapd.canBind(slapd.userDn('dan'), 'Dan-Passw0rd-1!')).toBe(false);
    expect((await slapd.read(slapd.userDn('dan'), ['pwdReset'])).pwdReset).toBeUndefined();
  });

  it('R18b: the directory policy applies to resets — history (ppolicy error 8) and minimum length (6) come back as violations', async () => {
    await slapd.addUser({ uid: 'erin', password: 'Erin-Passw0rd-1!' });
    const erin = (await dir.findUser('erin'))!;
    expect((await dir.resetPassword(erin, 'Erin-Passw0rd-2!', { unlock: true })).ok).toBe(true);
    const again = await dir.resetPassword(erin, 'Erin-Passw0rd-1!', { unlock: true });
    expect(again).toEqual({ ok: false, violations: [{ rule: 'history', message: expect.stringContaining('last 5') }] });
    expect(await dir.resetPassword(erin, 'Erin-Passw0rd-2!', { unlock: true })).toMatchObject({ ok: false, violations: [{ rule: 'history' }] });
    const short = await dir.resetPassword(erin, 'Ab1!', { unlock: true });
    expect(short).toEqual({ ok: false, violations: [{ rule: 'minLength', message: 'Use at least 8 characters.' }] });
    // Nothing was half-written: the accepted password still works.
    expect(await slapd.canBind(slapd.userDn('erin'), 'Erin-Passw0rd-2!')).toBe(true);
  });

  it('R15: a user changes their own password (Password Modify as the user); wrong current, history and same-as-current are refused', async () => {
    await slapd.addUser({ uid: 'fay', password: 'Fay-Passw0rd-1!' });
    const fay = (await dir.findUser('fay'))!;
    expect(await dir.changePassword(fay, 'wrong', 'Fay-Passw0rd-2!')).toEqual({ ok: false, violations: [{ rule: 'currentPassword', message: expect.any(String) }] });
    expect((await dir.changePassword(fay, 'Fay-Passw0rd-1!', 'Fay-Passw0rd-2!')).ok).toBe(true);
    expect(await slapd.canBind(slapd.userDn('fay'), 'Fay-Passw0rd-2!')).toBe(true);
    const history = await dir.changePassword(fay, 'Fay-Passw0rd-2!', 'Fay-Passw0rd-1!');
    expect(history.ok).toBe(false);
    expect(!history.ok && history.violations[0]!.rule).toBe('history');
    expect(await dir.changePassword(fay, 'Fay-Passw0rd-2!', 'Fay-Passw0rd-2!')).toMatchObject({ ok: false, violations: [{ rule: 'sameAsCurrent' }] });
  });

  it('R42: a change writes only once its caller\'s beforeWrite has settled, after the current password is confirmed; a failed one writes nothing and is the answer', async () => {
    await slapd.addUser({ uid: 'hold', password: 'Hold-Passw0rd-1!' });
    const hold = (await dir.findAccountById((await dir.findUser('hold'))!.id))!;
    const seen: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const change = dir.changePassword(hold, 'Hold-Passw0rd-1!', 'Hold-Passw0rd-2!', async () => {
      seen.push('asked');
      await held;
    });
    while (!seen.length) await new Promise((r) => setTimeout(r, 5));
    // Asked only after the bind confirmed the current password; nothing written while held.
    await new Promise((r) => setTimeout(r, 50));
    expect(await slapd.canBind(slapd.userDn('hold'), 'Hold-Passw0rd-1!')).toBe(true);
    release();
    expect((await change).ok).toBe(true);
    expect(await slapd.canBind(slapd.userDn('hold'), 'Hold-Passw0rd-2!')).toBe(true);

    // A wrong current password never asks; a failing beforeWrite's own error is the answer (not "directory unavailable").
    let asked = false;
    const wrong = await dir.changePassword(hold, 'not-it', 'Hold-Passw0rd-3!', async () => void (asked = true));
    expect(wrong).toMatchObject({ ok: false, violations: [{ rule: 'currentPassword' }] });
    expect(asked).toBe(false);
    const storeDown = new Error('store down');
    await expect(dir.changePassword(hold, 'Hold-Passw0rd-2!', 'Hold-Passw0rd-3!', () => Promise.reject(storeDown))).rejects.toBe(storeDown);
    expect(await slapd.canBind(slapd.userDn('hold'), 'Hold-Passw0rd-2!')).toBe(true);
    // The connection it held went back to the pool in working order.
    expect((await dir.changePassword(hold, 'Hold-Passw0rd-2!', 'Hold-Passw0rd-3!')).ok).toBe(true);
  });

  it('R18b: pwdMinAge refuses a change that comes too soon (ppolicy error 7 → tooYoung)', async () => {
    const young = await addPolicy(slapd, 'young', { pwdMinAge: 86400 });
    await slapd.addUser({ uid: 'gus', password: 'Gus-Passw0rd-1!', policy: young });
    const gus = (await dir.findUser('gus'))!;
    const r = await dir.changePassword(gus, 'Gus-Passw0rd-1!', 'Gus-Passw0rd-2!');
    expect(r).toEqual({ ok: false, violations: [{ rule: 'tooYoung', message: 'Your password was changed too recently to change it again.' }] });
    expect(await slapd.canBind(slapd.userDn('gus'), 'Gus-Passw0rd-1!')).toBe(true);
  });

  it('lockout by the directory: pwdMaxFailure wrong binds lock; reset with unlock (R18c) and unlock() lift it', async () => {
    await slapd.addUser({ uid: 'hal', password: 'Hal-Passw0rd-1!' });
    for (let i = 0; i < 5; i++) expect((await dir.verifyPassword('hal', 'nope')).ok).toBe(false);
    const locked = await dir.verifyPassword('hal', 'Hal-Passw0rd-1!');
    expect(locked).toMatchObject({ ok: false, reason: 'locked' });
    const hal = (await dir.findUser('hal'))!;
    expect(hal.locked).toBe(true);
    expect((await slapd.read(slapd.userDn('hal'), ['pwdAccountLockedTime'])).pwdAccountLockedTime).toHaveLength(1);

    await dir.unlock(hal);
    expect((await dir.findUser('hal'))!.locked).toBe(false);
    expect((await dir.verifyPassword('hal', 'Hal-Passw0rd-1!')).ok).toBe(true);

    // ppolicy clears the lockout on every password write, so a reset always unlocks on OpenLDAP.
    for (let i = 0; i < 5; i++) await dir.verifyPassword('hal', 'nope');
    expect((await dir.findUser('hal'))!.locked).toBe(true);
    expect((await dir.resetPassword((await dir.findUser('hal'))!, 'Hal-Passw0rd-2!', { unlock: true })).ok).toBe(true);
    expect((await dir.findUser('hal'))!.locked).toBe(false);
    expect((await slapd.read(slapd.userDn('hal'), ['pwdAccountLockedTime', 'pwdFailureTime']))).toEqual({});
    expect(await slapd.canBind(slapd.userDn('hal'), 'Hal-Passw0rd-2!')).toBe(true);
  });

  it('must change: a reset with mustChange sets pwdReset; the next sign-in says so; the user\'s own change clears it', async () => {
    await slapd.addUser({ uid: 'ivy', password: 'Ivy-Passw0rd-1!' });
    const ivy = (await dir.findUser('ivy'))!;
    expect((await dir.resetPassword(ivy, 'Ivy-Temp-Passw0rd-2', { unlock: true, mustChange: true })).ok).toBe(true);
    expect((await slapd.read(slapd.userDn('ivy'), ['pwdReset'])).pwdReset).toEqual(['TRUE']);
    const signIn = await dir.verifyPassword('ivy', 'Ivy-Temp-Passw0rd-2');
    expect(signIn.ok && signIn.user.password.mustChange).toBe(true);
    expect((await dir.changePassword(ivy, 'Ivy-Temp-Passw0rd-2', 'Ivy-Own-Passw0rd-3')).ok).toBe(true);
    expect((await slapd.read(slapd.userDn('ivy'), ['pwdReset'])).pwdReset).toBeUndefined();
    expect((await dir.findUser('ivy'))!.password.mustChange).toBe(false);
  });

  it('R15, R16: expiry from pwdChangedTime + the policy\'s pwdMaxAge; an expired password without grace binds answers expired, and can still be changed', async () => {
    await slapd.addUser({ uid: 'jay', password: 'Jay-Passw0rd-1!' });
    const fresh = (await dir.findUser('jay'))!;
    const changed = fresh.password.lastChangedAt!;
    expect(Math.abs(changed.getTime() - Date.now())).toBeLessThan(60_000);
    expect(fresh.password.expiresAt!.getTime()).toBe(changed.getTime() + 90 * 86400_000);
    expect(fresh.password.neverExpires).toBe(false);

    // The directory's clock is real: move the password's age, not time.
    await slapd.modify(`dn: ${slapd.userDn('jay')}\nchangetype: modify\nreplace: pwdChangedTime\npwdChangedTime: 20200101000000Z`, { relax: true });
    const old = (await dir.findUser('jay'))!;
    expect(old.password.expiresAt!.toISOString()).toBe(new Date(Date.UTC(2020, 0, 1) + 90 * 86400_000).toISOString());
    expect(await dir.verifyPassword('jay', 'wrong')).toEqual({ ok: false, reason: 'invalid' });
    expect(await dir.verifyPassword('jay', 'Jay-Passw0rd-1!')).toMatchObject({ ok: false, reason: 'expired', user: { username: 'jay' } });
    expect((await dir.changePassword(old, 'Jay-Passw0rd-1!', 'Jay-Passw0rd-2!')).ok).toBe(true);
    expect(await slapd.canBind(slapd.userDn('jay'), 'Jay-Passw0rd-2!')).toBe(true);
    expect((await dir.changePassword(old, 'wrong-current', 'Jay-Passw0rd-3!')).ok).toBe(false);
  });

  it('pwdGraceAuthNLimit: an expired password with grace binds left signs in (and must be changed)', async () => {
    const grace = await addPolicy(slapd, 'grace', { pwdGraceAuthNLimit: 2 });
    await slapd.addUser({ uid: 'kim', password: 'Kim-Passw0rd-1!', policy: grace });
    await slapd.modify(`dn: ${slapd.userDn('kim')}\nchangetype: modify\nreplace: pwdChangedTime\npwdChangedTime: 20200101000000Z`, { relax: true });
    const first = await dir.verifyPassword('kim', 'Kim-Passw0rd-1!');
    expect(first.ok).toBe(true);
    expect(first.ok && first.user.password.expiresAt!.getTime()).toBeLessThan(Date.now());
    const kim = (await dir.findUser('kim'))!;
    // One grace bind left: the change binds with it.
    expect((await dir.changePassword(kim, 'Kim-Passw0rd-1!', 'Kim-Passw0rd-2!')).ok).toBe(true);
    expect((await dir.verifyPassword('kim', 'Kim-Passw0rd-2!')).ok).toBe(true);
  });

  it('R19: an administratively locked account (pwdAccountLockedTime 000001010000Z) is disabled and cannot be reset or unlocked', async () => {
    await slapd.addUser({ uid: 'lou', password: 'Lou-Passw0rd-1!' });
    await slapd.modify(`dn: ${slapd.userDn('lou')}\nchangetype: modify\nadd: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z`, { relax: true });
    const lou = (await dir.findUser('lou'))!;
    expect(lou.disabled).toBe(true);
    expect(await dir.verifyPassword('lou', 'Lou-Passw0rd-1!')).toEqual({ ok: false, reason: 'disabled' });
    expect(await dir.resetPassword(lou, 'Lou-Passw0rd-2!', { unlock: true })).toMatchObject({ ok: false, violations: [{ rule: 'accountDisabled' }] });
    await dir.unlock(lou);
    expect((await slapd.read(slapd.userDn('lou'), ['pwdAccountLockedTime'])).pwdAccountLockedTime).toEqual(['000001010000Z']);
  });
});

describe('OpenLDAP adapter: an unreachable directory', () => {
  it('a stopped directory → DirectoryUnavailableError; nothing written; it works again once the directory is back', async () => {
    await slapd.addUser({ uid: 'max', password: 'Max-Passw0rd-1!' });
    const max = (await dir.findUser('max'))!;
    await slapd.stop();
    await expect(dir.findUser('max')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(dir.resetPassword(max, 'Max-Passw0rd-2!', { unlock: true })).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(dir.verifyPassword('max', 'Max-Passw0rd-1!')).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await expect(dir.ping()).rejects.toBeInstanceOf(DirectoryUnavailableError);
    await slapd.start();
    await dir.ping();
    expect(await slapd.canBind(slapd.userDn('max'), 'Max-Passw0rd-1!')).toBe(true);
    expect((await dir.resetPassword(max, 'Max-Passw0rd-2!', { unlock: true })).ok).toBe(true);
  });

  it('a directory that accepts connections but never answers → DirectoryUnavailableError within the timeout', async () => {
    const max = (await dir.findUser('max'))!;
    slapd.pause();
    try {
      const started = Date.now();
      await expect(dir.resetPassword(max, 'Max-Passw0rd-3!', { unlock: true })).rejects.toBeInstanceOf(DirectoryUnavailableError);
      await expect(dir.verifyPassword('max', 'Max-Passw0rd-2!')).rejects.toBeInstanceOf(DirectoryUnavailableError);
      expect(Date.now() - started).toBeLessThan(2 * 1500 + 2500);
    } finally {
      slapd.resume();
    }
    // The timed-out write may still land once the directory wakes up; retrying the same
    // reset is then a success, not a history refusal.
    expect((await dir.resetPassword(max, 'Max-Passw0rd-3!', { unlock: true })).ok).toBe(true);
    expect(await slapd.canBind(slapd.userDn('max'), 'Max-Passw0rd-3!')).toBe(true);
    expect((await dir.verifyPassword('max', 'Max-Passw0rd-3!')).ok).toBe(true);
  });

  it('a wrong service password is a set-up fault: DirectoryUnavailableError, not a user verdict', async () => {
    await expect(createLdapDirectory(settings(slapd, { bindPassword: 'wrong' }), clock, log)).rejects.toBeInstanceOf(DirectoryUnavailableError);
  });
});
