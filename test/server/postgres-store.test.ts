import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectHistoryKeptAndTrimmed } from '../helpers/password-history.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** The store speaks PostgreSQL as well as SQLite: the same server, migrations and flows. */
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ postgres: true });
});
afterAll(async () => {
  await t?.close();
});

describe('PostgreSQL store', () => {
  it('runs the migrations and reports ready', async () => {
    expect(t.server.services.store.dialect).toBe('postgres');
    const ready = await t.api('GET', '/readyz');
    expect(ready.body.checks.store).toBe('ok');
  });

  it('keeps built-in directory users, methods and policy', async () => {
    const user = await t.addUser({ username: 'pg-alice', email: 'pg-alice@example.com', groups: ['sspr'] });
    const found = await t.server.services.directory.findUser('PG-ALICE');
    expect(found?.id).toBe(user.id);
    expect(found?.groups).toEqual(['sspr']);
    await t.server.services.methods.insert(t.server.services.db, { subjectId: user.id, type: 'email', source: 'admin', verified: true, hint: 'p•••@example.net', data: { address: 'pg@example.net' } });
    const methods = await t.server.services.methods.list(user.id);
    expect(methods[0]?.data).toEqual({ address: 'pg@example.net' });
    expect(await t.server.services.methods.claimTotpStep(user.id, methods[0]!.id, 100)).toBe(true);
    expect(await t.server.services.methods.claimTotpStep(user.id, methods[0]!.id, 100)).toBe(false);
    await t.setPolicy((p) => (p.sspr.methodsRequired = 2));
    t.server.services.policy.invalidate();
    expect((await t.api('GET', '/policy')).body.methodsRequired).toBe(2);
  });

  it('a signed-in request reads the token version and the sign-in together, on PostgreSQL too (issue 12)', async () => {
    await t.addUser({ username: 'pg-liam' });
    const signIn = async () => (await t.api('POST', '/auth/sign-in', { body: { username: 'pg-liam', password: 'Initial-Passw0rd!' } })).body;
    const [a, b] = [await signIn(), await signIn()];
    expect((await t.api('GET', '/me/status', { token: a.accessToken })).status).toBe(200);
    // The sign-in ended: its access token with it; the other sign-in lives.
    expect((await t.api('POST', '/auth/sign-out', { token: a.accessToken, body: { refreshToken: a.refreshToken } })).status).toBe(204);
    expect((await t.api('GET', '/me/status', { token: a.accessToken })).status).toBe(401);
    expect((await t.api('GET', '/me/status', { token: b.accessToken })).status).toBe(200);
    // Every session ended: the version moved on.
    expect((await t.api('POST', '/auth/sign-out', { token: b.accessToken, body: {} })).status).toBe(204);
    expect((await t.api('GET', '/me/status', { token: b.accessToken })).status).toBe(401);
  });

  it('R18b: password writes keep the replaced hash and trim the history, on PostgreSQL too (issue 12)', async () => {
    await expectHistoryKeptAndTrimmed(t, 'pg-hanna');
    // A signed-in change there too: the current password checked, the new one written.
    await t.addUser({ username: 'pg-ivo' });
    const token = (await t.api('POST', '/auth/sign-in', { body: { username: 'pg-ivo', password: 'Initial-Passw0rd!' } })).body.accessToken;
    expect((await t.api('POST', '/me/password', { token, body: { currentPassword: 'Initial-Passw0rd!', newPassword: 'Quiet-Lantern-47!' } })).status).toBe(200);
    expect((await t.api('POST', '/auth/sign-in', { body: { username: 'pg-ivo', password: 'Quiet-Lantern-47!' } })).status).toBe(200);
  });
});
