import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, type PolicyDocument } from '../../shared/api/policy.js';
import { policyDiff } from '../../src-server/flows/admin-policy.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

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

describe('GET|PUT /admin/policy', () => {
  it('R25: GET answers the whole document; PUT of what GET answered changes nothing', async () => {
    const got = await admin('GET', '/admin/policy');
    expect(got.status).toBe(200);
    expect(got.body).toEqual(DEFAULT_POLICY);
    const put = await admin('PUT', '/admin/policy', got.body);
    expect(put.status).toBe(200);
    expect(put.body).toEqual(DEFAULT_POLICY);
  });

  it('R17a: PUT replaces the document and audits a before/after diff with the actor', async () => {
    const doc = structuredClone(DEFAULT_POLICY) as PolicyDocument;
    doc.sspr.methodsRequired = 2;
    doc.sspr.methods = ['email', 'mobilePhone', 'authenticatorCode'];
    doc.branding.organizationName = 'Example K.K.';
    const r = await admin('PUT', '/admin/policy', doc);
    expect(r.status).toBe(200);
    expect(r.body).toEqual(doc);
    expect((await t.api('GET', '/policy')).body).toMatchObject({ methodsRequired: 2, methods: ['email', 'mobilePhone', 'authenticatorCode'] });
    const ev = await t.server.services.db.selectFrom('audit_events').selectAll().where('type', '=', 'admin.policy').orderBy('id', 'desc').executeTakeFirstOrThrow();
    expect(ev).toMatchObject({ actor: 'bootstrap', result: 'success', category: 'admin' });
    expect(JSON.parse(ev.detail!).changes).toEqual([
      { path: 'branding.organizationName', before: '', after: 'Example K.K.' },
      { path: 'sspr.methods', before: DEFAULT_POLICY.sspr.methods, after: ['email', 'mobilePhone', 'authenticatorCode'] },
      { path: 'sspr.methodsRequired', before: 1, after: 2 },
    ]);
    await admin('PUT', '/admin/policy', DEFAULT_POLICY);
  });

  it('R2, R6, R9c: a document outside the rules is invalid_request and changes nothing', async () => {
    const bad: Array<(p: any) => void> = [
      (p) => (p.sspr.methodsRequired = 3),
      (p) => (p.sspr.reconfirmAfterDays = 731),
      (p) => (p.sspr.securityQuestions.requiredToReset = 5),
      (p) => (p.sspr.methods = ['email']) && (p.sspr.methodsRequired = 2),
      (p) => (p.sspr.scope.mode = 'some'),
      (p) => delete p.password,
    ];
    for (const change of bad) {
      const doc = structuredClone(DEFAULT_POLICY);
      change(doc);
      const r = await admin('PUT', '/admin/policy', doc);
      expect(r.status, change.toString()).toBe(400);
      expect(r.body.code).toBe('invalid_request');
    }
    expect((await admin('GET', '/admin/policy')).body).toEqual(DEFAULT_POLICY);
  });

  it('a mistyped field in the document is refused, not silently dropped', async () => {
    const doc = structuredClone(DEFAULT_POLICY) as any;
    doc.sspr.methodRequired = 2;
    const r = await admin('PUT', '/admin/policy', doc);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('invalid_request');
    expect(r.body.detail).toContain('methodRequired');
  });

  it('R1: widening the scope through the API keeps registration data (nobody registers again)', async () => {
    await t.addUser({ username: 'rita', groups: ['pilot'] });
    await admin('PUT', '/admin/users/rita/methods', { mobilePhone: '+81 9012345678' });
    const token = (await t.api('POST', '/auth/sign-in', { body: { username: 'rita', password: 'Initial-Passw0rd!' } })).body.accessToken;
    const states = [];
    for (const scope of [{ mode: 'none', groups: [] }, { mode: 'selected', groups: ['pilot'] }, { mode: 'all', groups: [] }]) {
      const doc = structuredClone(DEFAULT_POLICY) as PolicyDocument;
      doc.sspr.scope = scope as PolicyDocument['sspr']['scope'];
      expect((await admin('PUT', '/admin/policy', doc)).status).toBe(200);
      const s = (await t.api('GET', '/me/status', { token })).body;
      states.push({ inScope: s.inScope, registered: s.registration.registered, mustRegister: s.registration.mustRegister });
    }
    expect(states).toEqual([
      { inScope: false, registered: true, mustRegister: false },
      { inScope: true, registered: true, mustRegister: false },
      { inScope: true, registered: true, mustRegister: false },
    ]);
  });
});

describe('policyDiff', () => {
  it('lists nothing for equal documents and every changed leaf otherwise', () => {
    expect(policyDiff(DEFAULT_POLICY, structuredClone(DEFAULT_POLICY))).toEqual([]);
    const b = structuredClone(DEFAULT_POLICY);
    b.password.expiryWarningDays = [7];
    b.branding.logoUrl = 'https://example.com/logo.png';
    expect(policyDiff(DEFAULT_POLICY, b)).toEqual([
      { path: 'branding.logoUrl', before: null, after: 'https://example.com/logo.png' },
      { path: 'password.expiryWarningDays', before: [14, 7, 3, 1], after: [7] },
    ]);
  });
});
