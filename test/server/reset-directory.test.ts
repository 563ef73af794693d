import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuiltinDirectory } from '../../src-server/directory/builtin-directory.js';
import { DirectoryUnavailableError, type DirectoryUser, type PasswordWriteResult } from '../../src-server/directory/directory.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { methodOf, NEW_PASSWORD, nextPhoneMessage, passEmailGate, phoneCode, startReset, userWithEmail } from '../helpers/reset-helpers.js';
import { BuiltinDirectoryStore } from '../../src-server/store/builtin-directory-store.js';

/**
 * The built-in directory, with a switch that makes its writes fail as an unreachable server
 * would, and contact data held in the directory itself (as LDAP's `mobile` / AD's
 * `otherMailbox` are) for one user.
 */
class SwitchableDirectory extends BuiltinDirectory {
  down = false;
  private withContact(u: DirectoryUser | null): DirectoryUser | null {
    if (u?.username !== 'dir-held') return u;
    return { ...u, contact: { mobilePhone: '+81 8012340000', officePhone: null, alternateEmail: 'dir.held@mail.example' } };
  }
  override async findUser(name: string) {
    return this.withContact(await super.findUser(name));
  }
  override async findUserById(id: string) {
    return this.withContact(await super.findUserById(id));
  }
  override async resetPassword(user: DirectoryUser, pw: string, o: { unlock: boolean; mustChange?: boolean }): Promise<PasswordWriteResult> {
    if (this.down) throw new DirectoryUnavailableError('connect ECONNREFUSED 127.0.0.1:389');
    return super.resetPassword(user, pw, o);
  }
  override async resetPasswordWith(user: DirectoryUser, pw: string, o: { unlock: boolean }, complete: Parameters<BuiltinDirectory['resetPasswordWith']>[3]): Promise<PasswordWriteResult> {
    if (this.down) throw new DirectoryUnavailableError('connect ECONNREFUSED 127.0.0.1:389');
    return super.resetPasswordWith(user, pw, o, complete);
  }
}

let t: TestServer;
let directory: SwitchableDirectory;
beforeAll(async () => {
  t = await startTestServer({
    overrides: {
      directory: (base) => (directory = new SwitchableDirectory(new BuiltinDirectoryStore(base.db), base.clock, () => base.policy.get(), base.hashParams)),
    },
  });
});
afterAll(async () => {
  await t.close();
});

describe('reset when the directory is down', () => {
  it('R18a: directory_unavailable (503 + Retry-After), and the same session can retry once it is back', async () => {
    const { address } = await userWithEmail(t, 'miki');
    const s = await startReset(t, 'miki');
    await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), address);
    directory.down = true;
    const down = await t.api('POST', '/reset/session/password', { token: s.sessionToken, body: { newPassword: NEW_PASSWORD } });
    expect(down.status).toBe(503);
    expect(down.body.code).toBe('directory_unavailable');
    expect(down.headers.get('retry-after')).toBe('30');
    expect((await t.api('GET', '/reset/session', { token: s.sessionToken })).body.state).toBe('ready');
    directory.down = false;
    const retry = await t.api('POST', '/reset/session/password', { token: s.sessionToken, body: { newPassword: NEW_PASSWORD } });
    expect(retry.status).toBe(200);
    expect((await directory.verifyPassword('miki', NEW_PASSWORD)).ok).toBe(true);
  });

  it('R4: contact data the directory holds counts as methods: a text goes to its mobile number', async () => {
    await t.addUser({ username: 'dir-held', email: 'dir-held@corp.example' });
    const s = await startReset(t, 'dir-held');
    expect(s.methods.map((m) => [m.type, m.hint])).toEqual([['mobilePhone', '+81 ••• •••• ••00'], ['email', 'd•••@mail.example']]);
    expect(JSON.stringify(s)).not.toContain('dir-');
    const before = t.gateway.messages.length;
    const ch = await t.api('POST', '/reset/session/challenges', { token: s.sessionToken, body: { methodId: methodOf(s, 'mobilePhone') } });
    const sms = await nextPhoneMessage(t, '+81 8012340000', before);
    const ok = await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: s.sessionToken, body: { code: phoneCode(sms) } });
    expect(ok.body.complete).toBe(true);
    // The signed-in user sees them too, marked as the directory's.
    const access = (await t.api('POST', '/auth/sign-in', { body: { username: 'dir-held', password: 'Initial-Passw0rd!' } })).body.accessToken;
    const mine = (await t.api('GET', '/me/methods', { token: access })).body.methods;
    expect(mine.map((m: { type: string; source: string }) => `${m.type}:${m.source}`)).toEqual(['mobilePhone:directory', 'email:directory']);
  });
});
