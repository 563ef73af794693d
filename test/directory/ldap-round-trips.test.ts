import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-server/clock.js';
import { createLdapDirectory } from '../../src-server/directory/ldap/create-ldap-directory.js';
import type { LdapDirectory, LdapSettings } from '../../src-server/directory/ldap/ldap-directory.js';
import { startLdapCounter, type LdapCounter } from '../helpers/ldap-counter.js';
import { startSlapd, type Slapd } from '../helpers/slapd.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * Issue 12: round trips to a real slapd, counted by a proxy that parses the LDAP messages.
 * Budgets: sign-in ≤ 1 search for the user + 1 for its groups (administrator flag) + 1 bind;
 * signed-in change ≤ 1 search + 1 bind + 1 write; reset write ≤ 1 write after the reads
 * the verdict needs; the root DSE and the password-policy entry are read once, not per request.
 */
/** A counting proxy in front of `directory`, and a server that reaches the directory through it. */
async function countedServer(directory: Slapd, env: Record<string, string> = {}): Promise<{ counter: LdapCounter; server: TestServer }> {
  const counter = await startLdapCounter({ port: directory.port });
  const server = await startTestServer({
    startAt: new Date().toISOString(),
    env: { ...directory.serverEnv(counter.url), SSPR_LDAP_ADMIN_GROUP: 'sspr-admins', SSPR_LDAP_TIMEOUT_MS: '1500', ...env },
  });
  return { counter, server };
}

/** The adapter's own settings for `directory` behind the proxy at `url`, as the server above uses it. */
const directorySettings = (directory: Slapd, url: string): LdapSettings => ({
  url, bindDn: directory.serviceDn, bindPassword: directory.servicePassword, baseDn: directory.baseDn, startTls: false,
  alternateEmailAttribute: 'otherMailbox', timeoutMs: 1500, adminGroup: 'sspr-admins', poolSize: 2, policyCacheMs: 60_000,
});

let slapd: Slapd;
let counter: LdapCounter;
let t: TestServer;
let dir: LdapDirectory;

beforeAll(async () => {
  slapd = await startSlapd();
  await slapd.addUser({ uid: 'nakamura', cn: 'Yui Nakamura', password: 'Nakamura-First-Passw0rd', mail: 'nakamura@corp.example' });
  await slapd.addUser({ uid: 'yamada', cn: 'Taro Yamada', password: 'Yamada-First-Passw0rd', mail: 'yamada@corp.example' });
  await slapd.addUser({ uid: 'kimura', cn: 'Rin Kimura', password: 'Kimura-First-Passw0rd', mail: 'kimura@corp.example' });
  await slapd.addUser({ uid: 'suzuki', cn: 'Aoi Suzuki', password: 'Suzuki-First-Passw0rd', mail: 'suzuki@corp.example' });
  await slapd.addGroup('sspr-users', ['nakamura', 'yamada', 'kimura', 'suzuki']);
  await slapd.addGroup('sspr-admins', []);
  ({ counter, server: t } = await countedServer(slapd));
  dir = await createLdapDirectory(directorySettings(slapd, counter.url), new ManualClock(new Date()), { warn: () => {} });
}, 60_000);

afterAll(async () => {
  await dir?.close();
  await t?.close();
  await counter?.close();
  await slapd?.close();
});

/** Warms pools and the per-process caches (policy entry, admin group DN), then counts one more run. */
async function counted<T>(run: () => Promise<T>): Promise<{ result: T; ops: ReturnType<LdapCounter['take']> }> {
  counter.take();
  const result = await run();
  return { result, ops: counter.take() };
}

const signIn = (username: string, password: string) => t.api('POST', '/auth/sign-in', { body: { username, password } });

describe('LDAP round trips per operation (issue 12)', () => {
  it('sign-in: 1 search for the user, 1 for its groups, 1 bind', async () => {
    expect((await signIn('nakamura', 'Nakamura-First-Passw0rd')).status).toBe(200);
    const { result, ops } = await counted(() => signIn('nakamura', 'Nakamura-First-Passw0rd'));
    expect(result.status).toBe(200);
    expect(ops).toMatchObject({ search: 2, bind: 1, modify: 0, extended: 0 });
  });

  it('R13b: a wrong password and an unknown user cost the same round trips', async () => {
    const wrong = await counted(() => signIn('nakamura', 'Not-The-Passw0rd'));
    const unknown = await counted(() => signIn('nobody-here', 'Not-The-Passw0rd'));
    expect(wrong.result.status).toBe(401);
    expect(unknown.result.status).toBe(401);
    expect(wrong.ops).toMatchObject({ search: 1, bind: 1 });
    expect(unknown.ops).toMatchObject({ search: 1, bind: 1 });
  });

  it('R15, R18b: a signed-in change: 1 search + 1 bind + 1 Password Modify', async () => {
    const token = (await signIn('yamada', 'Yamada-First-Passw0rd')).body.accessToken as string;
    const { result, ops } = await counted(() => t.api('POST', '/me/password', { token, body: { currentPassword: 'Yamada-First-Passw0rd', newPassword: 'Granite-Harbor-Lantern-47' } }));
    expect(result.status).toBe(200);
    expect(ops).toMatchObject({ search: 1, bind: 1, extended: 1, modify: 0 });
    expect(await slapd.canBind(slapd.userDn('yamada'), 'Granite-Harbor-Lantern-47')).toBe(true);
  });

  it('R15: the change sends its bind with its look-up, to where sign-in found the entry (the round trips overlap)', async () => {
    const token = (await signIn('suzuki', 'Suzuki-First-Passw0rd')).body.accessToken as string;
    const { result, ops } = await counted(async () => {
      const answer = await t.api('POST', '/me/password', { token, body: { currentPassword: 'Suzuki-First-Passw0rd', newPassword: 'Juniper-Canyon-Bellows-58' } });
      return { answer, timeline: counter.timeline() };
    });
    expect(result.answer.status).toBe(200);
    expect(ops).toMatchObject({ search: 1, bind: 1, extended: 1, modify: 0 });
    const at = (event: string) => result.timeline.indexOf(event);
    expect(at('bind>')).toBeGreaterThanOrEqual(0);
    // Sent before the look-up answered; the write only after both.
    expect(at('bind>')).toBeLessThan(at('<search'));
    expect(at('extended>')).toBeGreaterThan(Math.max(at('<search'), at('<bind')));
  });

  it('R17a, R22: the change records its write intent while its look-up is out, and completes from it once', async () => {
    await slapd.addUser({ uid: 'ahead', cn: 'Mei Ahead', password: 'Ahead-First-Passw0rd', mail: 'ahead@corp.example' });
    const token = (await signIn('ahead', 'Ahead-First-Passw0rd')).body.accessToken as string;
    const intents = async () => (await t.server.services.db.selectFrom('password_write_intents').select('user_id').execute()).length;
    let seenWhileOut = 0;
    counter.holdAnswers('search', 400);
    try {
      const change = t.api('POST', '/me/password', { token, body: { currentPassword: 'Ahead-First-Passw0rd', newPassword: 'Thistle-Beacon-Morrow-35' } });
      for (const until = Date.now() + 300; Date.now() < until && !seenWhileOut; ) {
        seenWhileOut = await intents();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect((await change).status).toBe(200);
    } finally {
      counter.holdAnswers('search', 0);
    }
    expect(seenWhileOut).toBe(1);
    expect(await intents()).toBe(0);
    const events = await t.server.services.db.selectFrom('audit_events').select('result').where('type', '=', 'password.change').where('username', '=', 'ahead').execute();
    expect(events).toEqual([{ result: 'success' }]);
    expect((await t.smtp.waitFor('ahead@corp.example')).text).toContain('Hello Mei Ahead,');
  });

  it('R22: an account renamed since sign-in: the intent recorded from the old name is dropped, the notice greets the new one', async () => {
    await slapd.addUser({ uid: 'renamed', cn: 'Ken Before', password: 'Renamed-First-Passw0rd', mail: 'renamed@corp.example' });
    const token = (await signIn('renamed', 'Renamed-First-Passw0rd')).body.accessToken as string;
    await slapd.modify([`dn: ${slapd.userDn('renamed')}`, 'changetype: modify', 'replace: displayName', 'displayName: Ken After'].join('\n'));
    const answer = await t.api('POST', '/me/password', { token, body: { currentPassword: 'Renamed-First-Passw0rd', newPassword: 'Willow-Ember-Falcon-82' } });
    expect(answer.status).toBe(200);
    const mail = await t.smtp.waitFor('renamed@corp.example');
    expect(mail.text).toContain('Hello Ken After,');
    expect(t.smtp.mails.filter((m) => m.text?.includes('Ken Before'))).toHaveLength(0);
    expect(await t.server.services.db.selectFrom('password_write_intents').select('id').execute()).toHaveLength(0);
    const events = await t.server.services.db.selectFrom('audit_events').select('result').where('type', '=', 'password.change').where('username', '=', 'renamed').execute();
    expect(events).toEqual([{ result: 'success' }]);
  });

  it('R18b: a new password with a part of the name: refused before anything is sent to bind', async () => {
    const token = (await signIn('suzuki', 'Juniper-Canyon-Bellows-58')).body.accessToken as string;
    const { result, ops } = await counted(() => t.api('POST', '/me/password', { token, body: { currentPassword: 'Not-The-Passw0rd-2', newPassword: 'Suzuki-Canyon-Bellows-77' } }));
    expect(result.status).toBe(422);
    expect(result.body.violations).toEqual(expect.arrayContaining([expect.objectContaining({ rule: 'nameParts' })]));
    expect(ops).toMatchObject({ search: 1, bind: 0, extended: 0 });
  });

  it('a change after the entry was renamed: the early bind misses, one bind at the new DN, the change lands', async () => {
    const token = (await signIn('kimura', 'Kimura-First-Passw0rd')).body.accessToken as string;
    await slapd.modify([`dn: ${slapd.userDn('kimura')}`, 'changetype: modrdn', 'newrdn: cn=Rin Kimura', 'deleteoldrdn: 0'].join('\n'));
    const moved = `cn=Rin Kimura,${slapd.userDn('kimura').split(',').slice(1).join(',')}`;
    const first = await counted(() => t.api('POST', '/me/password', { token, body: { currentPassword: 'Kimura-First-Passw0rd', newPassword: 'Orchard-Tidal-Compass-63' } }));
    expect(first.result.status).toBe(200);
    expect(first.ops).toMatchObject({ search: 1, bind: 2, extended: 1 });
    expect(await slapd.canBind(moved, 'Orchard-Tidal-Compass-63')).toBe(true);
    // The look-up saw the new place: the next change's early bind goes there.
    const next = (await signIn('kimura', 'Orchard-Tidal-Compass-63')).body.accessToken as string;
    const again = await counted(() => t.api('POST', '/me/password', { token: next, body: { currentPassword: 'Orchard-Tidal-Compass-63', newPassword: 'Meadow-Flint-Harbor-29' } }));
    expect(again.result.status).toBe(200);
    expect(again.ops).toMatchObject({ search: 1, bind: 1, extended: 1 });
  });

  it('a change for an account deleted since sign-in: at most one bind to the old place, then none', async () => {
    await slapd.addUser({ uid: 'gone', cn: 'Sho Gone', password: 'Gone-First-Passw0rd', mail: 'gone@corp.example' });
    const token = (await signIn('gone', 'Gone-First-Passw0rd')).body.accessToken as string;
    await slapd.modify([`dn: ${slapd.userDn('gone')}`, 'changetype: delete'].join('\n'));
    const change = () => t.api('POST', '/me/password', { token, body: { currentPassword: 'Gone-First-Passw0rd', newPassword: 'Lantern-Quarry-Willow-14' } });
    const first = await counted(change);
    expect(first.result.status).toBe(401);
    expect(first.ops).toMatchObject({ search: 1, bind: 1, extended: 0, modify: 0 });
    const second = await counted(change);
    expect(second.result.status).toBe(401);
    expect(second.ops).toMatchObject({ search: 1, bind: 0, extended: 0, modify: 0 });
  });

  it('a change with a wrong current password: 1 search + 1 bind, nothing written', async () => {
    const token = (await signIn('yamada', 'Granite-Harbor-Lantern-47')).body.accessToken as string;
    const { result, ops } = await counted(() => t.api('POST', '/me/password', { token, body: { currentPassword: 'Not-The-Passw0rd-1', newPassword: 'Velvet-Summit-Otter-82' } }));
    expect(result.status).toBe(403);
    expect(ops).toMatchObject({ search: 1, bind: 1, extended: 0, modify: 0 });
  });

  it('R18c: a reset write after the look-up: 1 modify, the entry read by the look-up carried', async () => {
    const user = (await dir.findUserById((await dir.findUser('nakamura'))!.id))!;
    const { result, ops } = await counted(() => dir.resetPassword(user, 'Cobalt-Prairie-Falcon-36', { unlock: true }));
    expect(result.ok).toBe(true);
    expect(ops).toMatchObject({ search: 0, bind: 0, modify: 1 });
    expect(await slapd.canBind(slapd.userDn('nakamura'), 'Cobalt-Prairie-Falcon-36')).toBe(true);
  });

  it('the root DSE and the policy entry are read once, not per request', async () => {
    counter.take();
    await dir.findUser('nakamura');
    expect((await dir.verifyPassword('nakamura', 'Cobalt-Prairie-Falcon-36')).ok).toBe(true);
    const bases = counter.searchBases();
    expect(bases).not.toContain('');
    expect(bases).not.toContain(slapd.policyDn);
    expect(bases).toHaveLength(4);
  });
});

/**
 * With the memberof overlay, SSPR_LDAP_GROUPS_FROM=memberOf reads a user's groups off the
 * entry the sign-in already fetched: sign-in is 1 search + 1 bind, as for LTB's one form.
 */
describe('LDAP round trips with groups from memberOf (issue 12)', () => {
  let memberOfSlapd: Slapd;
  let memberOfCounter: LdapCounter;
  let server: TestServer;

  beforeAll(async () => {
    memberOfSlapd = await startSlapd({ memberOf: true });
    await memberOfSlapd.addUser({ uid: 'sato', cn: 'Hana Sato', password: 'Sato-First-Passw0rd', mail: 'sato@corp.example' });
    await memberOfSlapd.addUser({ uid: 'kato', cn: 'Ken Kato', password: 'Kato-First-Passw0rd', mail: 'kato@corp.example' });
    await memberOfSlapd.addGroup('sspr-users', ['sato', 'kato']);
    await memberOfSlapd.addGroup('sspr-admins', ['kato']);
    ({ counter: memberOfCounter, server } = await countedServer(memberOfSlapd, { SSPR_LDAP_GROUPS_FROM: 'memberOf' }));
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await memberOfCounter?.close();
    await memberOfSlapd?.close();
  });

  const signInThere = (username: string, password: string) => server.api('POST', '/auth/sign-in', { body: { username, password } });

  it('R10: sign-in is 1 search + 1 bind, and the administrator flag still comes from the group', async () => {
    expect((await signInThere('kato', 'Kato-First-Passw0rd')).status).toBe(200);
    memberOfCounter.take();
    const admin = await signInThere('kato', 'Kato-First-Passw0rd');
    expect(memberOfCounter.take()).toMatchObject({ search: 1, bind: 1, modify: 0, extended: 0 });
    const user = await signInThere('sato', 'Sato-First-Passw0rd');
    expect(memberOfCounter.take()).toMatchObject({ search: 1, bind: 1, modify: 0, extended: 0 });
    expect(admin.body.user.isAdmin).toBe(true);
    expect(user.body.user.isAdmin).toBe(false);
  });

  it('R10: the user made while the bind is out is kept only once the bind succeeds', async () => {
    const settings = { ...directorySettings(memberOfSlapd, memberOfCounter.url), groupsFrom: 'memberOf' as const };
    const probe = await createLdapDirectory(settings, new ManualClock(new Date()), { warn: () => {} });
    const katoId = (await probe.findUser('kato'))!.id;
    await probe.close();
    const dir = await createLdapDirectory(settings, new ManualClock(new Date()), { warn: () => {} });
    try {
      // Warm: the policy entry and the administrator group's DN are read once per process.
      expect((await dir.verifyPassword('sato', 'Sato-First-Passw0rd')).ok).toBe(true);
      memberOfCounter.take();
      expect(await dir.verifyPassword('kato', 'Not-Kato-Passw0rd')).toEqual({ ok: false, reason: 'invalid' });
      // A wrong password is no sighting: the next change of the account gets no early bind from it.
      expect(dir.lastSeen(katoId)).toBeNull();
      expect(memberOfCounter.take()).toMatchObject({ search: 1, bind: 1, modify: 0, extended: 0 });
      const right = await dir.verifyPassword('kato', 'Kato-First-Passw0rd');
      expect(right.ok && right.user).toMatchObject({ id: katoId, username: 'kato', isAdmin: true, locked: false, groups: ['sspr-admins', 'sspr-users'] });
      expect(dir.lastSeen(katoId)).toMatchObject({ id: katoId, username: 'kato' });
      expect(memberOfCounter.take()).toMatchObject({ search: 1, bind: 1, modify: 0, extended: 0 });
    } finally {
      await dir.close();
    }
  });

  it('R1: the groups read off memberOf are the groups a search finds', async () => {
    const settings = directorySettings(memberOfSlapd, memberOfCounter.url);
    const bySearch = await createLdapDirectory(settings, new ManualClock(new Date()), { warn: () => {} });
    const byMemberOf = await createLdapDirectory({ ...settings, groupsFrom: 'memberOf' }, new ManualClock(new Date()), { warn: () => {} });
    try {
      for (const uid of ['sato', 'kato']) {
        const [a, b] = [await bySearch.findUser(uid), await byMemberOf.findUser(uid)];
        expect(b?.groups).toEqual(a?.groups);
        expect(b?.isAdmin).toBe(a?.isAdmin);
      }
      expect((await byMemberOf.findUser('kato'))?.groups).toEqual(['sspr-admins', 'sspr-users']);
      expect(await byMemberOf.isMember((await byMemberOf.findUser('sato'))!, 'sspr-users')).toBe(true);
      expect(await byMemberOf.isMember((await byMemberOf.findUser('sato'))!, 'sspr-admins')).toBe(false);
    } finally {
      await bySearch.close();
      await byMemberOf.close();
    }
  });
});
