import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type PolicyDocument } from '../../shared/api/policy.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const PW = 'Initial-Passw0rd!';
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
  const doc = structuredClone(DEFAULT_POLICY) as PolicyDocument;
  doc.password.bannedTerms = ['Contoso', 'Shinjuku'];
  expect((await t.api('PUT', '/admin/policy', { token: t.adminToken, body: doc })).status).toBe(200);
});
afterAll(async () => {
  await t.close();
});

describe('custom banned passwords on the server', () => {
  it('R34: a new password with a banned word, disguised, is refused as password_policy / banned, in ja', async () => {
    await t.addUser({ username: 'ban1' });
    const token = (await t.api('POST', '/auth/sign-in', { body: { username: 'ban1', password: PW } })).body.accessToken as string;
    const r = await t.api('POST', '/me/password', { token, body: { currentPassword: PW, newPassword: 'Blue-C0nt0$o-47!' }, headers: { 'accept-language': 'ja' } });
    expect(r.status).toBe(422);
    expect(r.body.code).toBe('password_policy');
    expect(r.body.violations).toEqual([{ rule: 'banned', message: '組織で使用が禁止されている語が含まれています。' }]);
    const ok = await t.api('POST', '/me/password', { token, body: { currentPassword: PW, newPassword: 'Quiet-Lantern-47!' } });
    expect(ok.status).toBe(200);
  });

  it('R34: GET /policy carries a salted digest the app can check against, never the words', async () => {
    const r = await t.api('GET', '/policy');
    expect(r.status).toBe(200);
    expect(JSON.stringify(r.body).toLowerCase()).not.toMatch(/contoso|shinjuku/);
    expect(r.body.password.bannedTerms).toBeUndefined();
    expect(r.body.bannedTermDigest).toMatchObject({ lengths: [7, 8] });
    expect(r.body.bannedTermDigest.hashes).toHaveLength(2);
  });
});
