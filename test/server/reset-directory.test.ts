import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BuiltinDirectory } from '../../src-server/directory/builtin-directory.js';
import { DirectoryUnavailableError, type DirectoryUser, type PasswordWriteResult } from '../../src-server/directory/directory.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { methodOf, NEW_PASSWORD, passEmailGate, startReset, userWithEmail } from './reset-helpers.js';

/** The built-in directory, with a switch that makes its writes fail as an unreachable server would. */
class SwitchableDirectory extends BuiltinDirectory {
  down = false;
  override async resetPassword(user: DirectoryUser, pw: string, o: { unlock: boolean; mustChange?: boolean }): Promise<PasswordWriteResult> {
    if (this.down) throw new DirectoryUnavailableError('connect ECONNREFUSED 127.0.0.1:389');
    return super.resetPassword(user, pw, o);
  }
}

let t: TestServer;
let directory: SwitchableDirectory;
beforeAll(async () => {
  t = await startTestServer({
    overrides: {
      directory: (base) => (directory = new SwitchableDirectory(base.db, base.clock, () => base.policy.get(), base.hashParams)),
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
});
