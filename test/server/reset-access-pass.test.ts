import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { methodOf, NEW_PASSWORD, passEmailGate, startReset, userWithEmail } from '../helpers/reset-helpers.js';
import { issuePass } from '../helpers/step-up-helpers.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

const typesOf = (methods: Array<{ type: string }>) => methods.map((m) => m.type);

/** Starts the pass "challenge" of a session and answers it with `pass`. */
async function answerWithPass(token: string, methodId: string, pass: string) {
  const ch = await t.api('POST', '/reset/session/challenges', { token, body: { methodId } });
  expect(ch.status).toBe(201);
  expect(ch.body.type).toBe('accessPass');
  return t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token, body: { code: pass } });
}

describe('a Temporary Access Pass as one reset gate (R39)', () => {
  it('R39: off by default — the policy says so, and no session offers a pass', async () => {
    const policy = await t.api('GET', '/admin/policy', { token: t.adminToken });
    expect(policy.body.sspr.accessPassGate).toBe(false);
    await userWithEmail(t, 'kaito');
    await issuePass(t, 'kaito');
    expect(typesOf((await startReset(t, 'kaito')).methods)).not.toContain('accessPass');
  });

  it('R39: when on, the pass passes one gate and the other gate needs a real method; the reset completes', async () => {
    const policy = (await t.api('GET', '/admin/policy', { token: t.adminToken })).body;
    const put = await t.api('PUT', '/admin/policy', { token: t.adminToken, body: { ...policy, sspr: { ...policy.sspr, methodsRequired: 2, accessPassGate: true } } });
    expect(put.status).toBe(200);
    const { address } = await userWithEmail(t, 'hina');
    const pass = await issuePass(t, 'hina');
    const s = await startReset(t, 'hina');
    expect(typesOf(s.methods)).toEqual(['email', 'accessPass']);
    const gate = await answerWithPass(s.sessionToken, methodOf(s, 'accessPass'), pass.toLowerCase());
    expect(gate.status).toBe(200);
    expect(gate.body).toMatchObject({ gatesPassed: 1, requiredMethods: 2, complete: false });
    // Never both gates: the second offers the email method and no pass.
    expect(typesOf(gate.body.session.methods.filter((m: { id: string }) => !gate.body.session.passedMethodIds.includes(m.id)))).toEqual(['email']);
    const again = await t.api('POST', '/reset/session/challenges', { token: s.sessionToken, body: { methodId: methodOf(s, 'accessPass') } });
    expect(again.status).toBe(409);
    expect((await t.api('POST', '/reset/session/password', { token: s.sessionToken, body: { newPassword: NEW_PASSWORD } })).body.code).toBe('gates_incomplete');
    expect((await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), address)).body).toMatchObject({ gatesPassed: 2, complete: true });
    expect((await t.api('POST', '/reset/session/password', { token: s.sessionToken, body: { newPassword: NEW_PASSWORD } })).status).toBe(200);
    const audit = await t.server.services.db.selectFrom('audit_events').select(['method', 'result']).where('type', '=', 'reset.verify').where('username', '=', 'hina').execute();
    expect(audit).toEqual([{ method: 'accessPass', result: 'success' }, { method: 'email', result: 'success' }]);
  });

  it('R39: a pass can open either gate: with the email first, the pass closes the second', async () => {
    const { address } = await userWithEmail(t, 'sora');
    const pass = await issuePass(t, 'sora');
    const s = await startReset(t, 'sora');
    expect((await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), address)).body).toMatchObject({ gatesPassed: 1 });
    expect((await answerWithPass(s.sessionToken, methodOf(s, 'accessPass'), pass)).body).toMatchObject({ gatesPassed: 2, complete: true });
  });

  it('R39, R11a: a wrong pass, a used one-time pass and another user\'s pass are wrong codes, counted as failures', async () => {
    await userWithEmail(t, 'yuto');
    await userWithEmail(t, 'mei');
    const pass = await issuePass(t, 'yuto');
    const meis = await issuePass(t, 'mei');
    const s = await startReset(t, 'yuto');
    const wrong = await answerWithPass(s.sessionToken, methodOf(s, 'accessPass'), 'AAAA-BBBB-CCCC-DDDD');
    expect(wrong.body).toMatchObject({ code: 'invalid_code', attemptsRemaining: 4 });
    expect((await answerWithPass(s.sessionToken, methodOf(s, 'accessPass'), meis)).body).toMatchObject({ code: 'invalid_code', attemptsRemaining: 3 });
    expect((await answerWithPass(s.sessionToken, methodOf(s, 'accessPass'), pass)).status).toBe(200);
    // One time: a second session cannot use it again.
    const next = await startReset(t, 'yuto');
    expect((await answerWithPass(next.sessionToken, methodOf(next, 'accessPass'), pass)).body.code).toBe('invalid_code');
  });

  it('R39, R13b, R29: an unknown name and an administrator are offered the pass alike, and a decoy\'s pass never passes', async () => {
    await userWithEmail(t, 'rootadmin', { isAdmin: true });
    const sessions = await Promise.all(['nobody-here', 'rootadmin', 'mei'].map((name) => startReset(t, name)));
    for (const s of sessions) {
      expect(s.requiredMethods).toBe(2);
      expect(s.methods.at(-1)!.type).toBe('accessPass');
      expect(Object.keys(s.methods.at(-1)!).sort()).toEqual(['hint', 'id', 'type']);
    }
    const decoy = sessions[0]!;
    const ch = await t.api('POST', '/reset/session/challenges', { token: decoy.sessionToken, body: { methodId: methodOf(decoy, 'accessPass') } });
    expect(ch.status).toBe(201);
    expect((await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: decoy.sessionToken, body: { code: 'AAAA-BBBB-CCCC-DDDD' } })).body.code).toBe('invalid_code');
  });

  it('R39: turned off again, a session started before no longer takes the pass', async () => {
    await userWithEmail(t, 'nao');
    await issuePass(t, 'nao');
    const s = await startReset(t, 'nao');
    await t.setPolicy((p) => (p.sspr.accessPassGate = false));
    const ch = await t.api('POST', '/reset/session/challenges', { token: s.sessionToken, body: { methodId: methodOf(s, 'accessPass') } });
    expect(ch.status).toBe(409);
  });
});
