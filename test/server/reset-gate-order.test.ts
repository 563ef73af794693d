import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../src-server/security/tokens.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { addMethod, methodOf, oathtool, passEmailGate, startReset, userWithEmail } from '../helpers/reset-helpers.js';

const TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
  // "One gate must be the authenticator": it opens the first, email only the second.
  const put = await t.api('GET', '/admin/policy', { token: t.adminToken });
  const doc = { ...put.body, sspr: { ...put.body.sspr, methodsRequired: 2, methods: ['email', 'authenticatorCode'], firstGate: ['authenticatorCode'], secondGate: ['email'] } };
  const r = await t.api('PUT', '/admin/policy', { token: t.adminToken, body: doc });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
});
afterAll(async () => {
  await t.close();
});

const types = (s: { methods: Array<{ type: string }> }) => s.methods.map((m) => m.type);

describe('policy-ordered methods in the reset session (R35)', () => {
  it('R35: the first gate offers only the authenticator; email appears, and works, only for the second', async () => {
    const { user, address } = await userWithEmail(t, 'gated1');
    await addMethod(t, user, 'authenticatorCode', { secret: TOTP_SECRET, algorithm: 'SHA1', digits: 6, period: 30 }, 'Authenticator app');
    const s = await startReset(t, 'gated1');
    expect(types(s)).toEqual(['authenticatorCode']);
    const token = s.sessionToken;
    const state0 = await t.api('GET', '/reset/session', { token });
    expect(types(state0.body)).toEqual(['authenticatorCode']);

    const ch = await t.api('POST', '/reset/session/challenges', { token, body: { methodId: methodOf(s, 'authenticatorCode') } });
    expect(ch.status).toBe(201);
    const v = await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token, body: { code: oathtool(TOTP_SECRET, t.clock.now()) } });
    expect(v.body).toMatchObject({ gatesPassed: 1, complete: false });

    const state1 = await t.api('GET', '/reset/session', { token });
    expect(types(state1.body).sort()).toEqual(['authenticatorCode', 'email']);
    expect(await passEmailGate(t, token, methodOf(state1.body, 'email'), address)).toMatchObject({ status: 200, body: { complete: true } });
  });

  it('R35: a method the current gate does not allow is refused even by its id', async () => {
    const { user } = await userWithEmail(t, 'gated2');
    await addMethod(t, user, 'authenticatorCode', { secret: TOTP_SECRET, algorithm: 'SHA1', digits: 6, period: 30 }, 'Authenticator app');
    const s = await startReset(t, 'gated2');
    // The email method is in the session, only not shown yet: read its id where the server keeps it.
    const row = await t.server.services.db.selectFrom('reset_sessions').select('offered').where('token_hash', '=', hashToken(s.sessionToken)).executeTakeFirstOrThrow();
    const email = (JSON.parse(row.offered) as Array<{ id: string; type: string }>).find((m) => m.type === 'email')!;
    const early = await t.api('POST', '/reset/session/challenges', { token: s.sessionToken, body: { methodId: email.id } });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('conflict');
    expect(t.smtp.mails.some((m) => JSON.stringify(m.to).includes('gated2.private'))).toBe(false);
  });

  it('R35, R13b: an unknown name is offered the same first gate as a real user', async () => {
    const known = await startReset(t, 'gated1');
    const unknown = await startReset(t, 'nobody-at-all');
    expect(types(known)).toEqual(['authenticatorCode']);
    expect(types(unknown)).toEqual(['authenticatorCode']);
    expect(Object.keys(known).sort()).toEqual(Object.keys(unknown).sort());
  });

  it('R35: a policy that would strand a registered user is refused with the case named', async () => {
    const doc = (await t.api('GET', '/admin/policy', { token: t.adminToken })).body;
    const bad = await t.api('PUT', '/admin/policy', { token: t.adminToken, body: { ...doc, sspr: { ...doc.sspr, methods: ['email', 'mobilePhone', 'authenticatorCode'] } } });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_request');
    expect(JSON.stringify(bad.body.issues)).toContain('a user registered with only email and mobilePhone would have no way through the gates');
  });
});
