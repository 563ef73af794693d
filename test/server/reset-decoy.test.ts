import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/api/policy.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { mailedCode, mailsArrived, methodOf, startReset, userWithEmail } from '../helpers/reset-helpers.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await userWithEmail(t, 'real-user');
  // Out of scope once the policy selects a group she is not in.
  await userWithEmail(t, 'outsider');
  await userWithEmail(t, 'insider', { groups: ['sspr-users'] });
  await t.addUser({ username: 'unregistered', email: 'unregistered@corp.example' });
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  await t.server.services.policy.put(t.server.services.db, { ...DEFAULT_POLICY, sspr: { ...DEFAULT_POLICY.sspr, scope: { mode: 'selected', groups: ['sspr-users'] } } });
});

/** The structure of a JSON value: keys and value kinds, not the values. */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length ? [shape(v[0])] : [];
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, shape(x)]));
  return typeof v;
}

const challenge = (token: string, methodId: string) => t.api('POST', '/reset/session/challenges', { token, body: { methodId } });
const verify = (token: string, id: string, body: unknown) => t.api('POST', `/reset/session/challenges/${id}/verify`, { token, body });

const KINDS = [
  ['an unknown user', 'no-such-person'],
  ['a user out of scope', 'outsider'],
  ['a user with no usable methods', 'unregistered'],
] as const;

describe('R13b: no user enumeration', () => {
  for (const [what, name] of KINDS) {
    describe(`R13b: ${what} gets a decoy session of the same shape at every step, and nothing is sent`, () => {
      // Each case starts a real and a decoy session side by side; the real user's lock is lifted after it.
      afterEach(() => {
        t.clock.advanceDays(1);
      });

      /** Both sessions challenged and sent five wrong codes: both locked. */
      async function lockedPair() {
        const real = await startReset(t, 'insider');
        const decoy = await startReset(t, name);
        const mails = t.smtp.mails.length;
        const texts = t.gateway.messages.length;
        const rc = await challenge(real.sessionToken, methodOf(real, 'email'));
        const realCode = await mailedCode(t, 'insider.private@mail.example', mails);
        const dc = await challenge(decoy.sessionToken, methodOf(decoy, 'email'));
        const answers: Array<[Awaited<ReturnType<typeof verify>>, Awaited<ReturnType<typeof verify>>]> = [];
        for (let i = 0; i < 5; i++) {
          const wrong = realCode === '000000' ? '000001' : '000000';
          answers.push([await verify(real.sessionToken, rc.body.challengeId, { code: wrong }), await verify(decoy.sessionToken, dc.body.challengeId, { code: '123456' })]);
        }
        return { real, decoy, mails, texts, rc, dc, answers };
      }

      it('R13b: the started session and its state have the real one\'s shape', async () => {
        const real = await startReset(t, 'insider');
        const decoy = await startReset(t, name);
        expect(shape(decoy)).toEqual(shape(real));
        expect(decoy.requiredMethods).toBe(real.requiredMethods);
        expect(decoy.methods.length).toBeGreaterThanOrEqual(1);
        expect(decoy.methods[0]!.type).toBe('email');
        expect(decoy.methods[0]!.hint).toMatch(/^[a-z]•••@[a-z.]+$/);
        expect(decoy.methods[0]!.id).toMatch(/^[\w-]{16}$/);
        expect(real.methods[0]!.id).toMatch(/^[\w-]{16}$/);

        const [rs, ds] = await Promise.all([t.api('GET', '/reset/session', { token: real.sessionToken }), t.api('GET', '/reset/session', { token: decoy.sessionToken })]);
        expect(shape(ds.body)).toEqual(shape(rs.body));
        expect(ds.body.state).toBe(rs.body.state);
      });

      it('R13b, R11a: the challenge answers alike; wrong codes answer alike, count alike, and lock alike', async () => {
        const { real, decoy, rc, dc, answers } = await lockedPair();
        expect(dc.status).toBe(rc.status);
        expect(shape(dc.body)).toEqual(shape(rc.body));
        for (const [rv, dv] of answers) {
          expect(dv.status).toBe(rv.status);
          expect({ ...dv.body }).toEqual({ ...rv.body });
          expect(dv.headers.get('retry-after')).toBe(rv.headers.get('retry-after'));
        }
        const [rl, dl] = [await t.api('GET', '/reset/session', { token: real.sessionToken }), await t.api('GET', '/reset/session', { token: decoy.sessionToken })];
        expect(dl.body.state).toBe('locked');
        expect(shape(dl.body)).toEqual(shape(rl.body));
      });

      it('R13b: locked, a new session and a new password answer alike; only the real user got mail, nothing went to the gateway', async () => {
        const { real, decoy, mails, texts } = await lockedPair();
        const [rn, dn] = [await t.api('POST', '/reset/sessions', { body: { username: 'insider' } }), await t.api('POST', '/reset/sessions', { body: { username: name } })];
        expect(dn.status).toBe(423);
        expect(dn.body).toEqual(rn.body);
        const [rp, dp] = [await t.api('POST', '/reset/session/password', { token: real.sessionToken, body: { newPassword: 'Whatever-Passw0rd-1' } }), await t.api('POST', '/reset/session/password', { token: decoy.sessionToken, body: { newPassword: 'Whatever-Passw0rd-1' } })];
        expect(dp.status).toBe(rp.status);
        expect(dp.body).toEqual(rp.body);

        // Only the real user got mail; nothing went to the gateway.
        await mailsArrived(t, 'insider.private@mail.example', 1);
        await new Promise((r) => setTimeout(r, 300));
        expect(t.smtp.mails.length).toBe(mails + 1);
        expect(t.gateway.messages.length).toBe(texts);
      });
    });
  }

  it('R13b: a decoy\'s methods are stable for its name, follow the policy, and never include disabled types', async () => {
    const a = await startReset(t, 'Phantom.User');
    const b = await startReset(t, 'phantom.user');
    expect(b.methods.map(({ type, hint }) => ({ type, hint }))).toEqual(a.methods.map(({ type, hint }) => ({ type, hint })));
    expect(b.methods.map((m) => m.id)).not.toEqual(a.methods.map((m) => m.id));
    await t.setPolicy((p) => {
      p.sspr.methodsRequired = 2;
      p.sspr.methods = ['mobilePhone', 'authenticatorCode'];
    });
    t.server.services.policy.invalidate();
    const c = await startReset(t, 'phantom.user');
    expect(c.requiredMethods).toBe(2);
    expect(c.methods.map((m) => m.type)).toEqual(['mobilePhone', 'authenticatorCode']);
    expect(c.methods[0]!.hint).toMatch(/^\+81 ••• •••• ••\d\d$/);
  });

  it('R13b: decoy questions and pushes answer like real ones (questions drawn, a number to match), and always fail', async () => {
    await t.setPolicy((p) => (p.sspr.methods = ['securityQuestions', 'authenticatorPush']));
    t.server.services.policy.invalidate();
    const d = await startReset(t, 'ghost');
    expect(d.methods.map((m) => m.type)[0]).toBe('securityQuestions');
    const q = await challenge(d.sessionToken, methodOf(d, 'securityQuestions'));
    expect(q.status).toBe(201);
    expect(q.body.questions).toHaveLength(3);
    const v = await verify(d.sessionToken, q.body.challengeId, { answers: q.body.questions.map((x: { id: string }) => ({ questionId: x.id, answer: 'a guess' })) });
    expect(v.body).toMatchObject({ code: 'invalid_answers', attemptsRemaining: 4 });
    // A push, when the decoy holds one.
    await t.setPolicy((p) => (p.sspr.methods = ['authenticatorPush']));
    t.server.services.policy.invalidate();
    const p = await startReset(t, 'ghost-2');
    const push = await challenge(p.sessionToken, methodOf(p, 'authenticatorPush'));
    expect(push.body.numberMatch).toBeGreaterThanOrEqual(10);
    expect((await t.api('GET', '/reset/session', { token: p.sessionToken })).body.pendingChallenge).toMatchObject({ type: 'authenticatorPush', status: 'waiting' });
  });

  it('R13b: a decoy never passes, whatever code it is given', async () => {
    await t.server.services.policy.put(t.server.services.db, DEFAULT_POLICY);
    const d = await startReset(t, 'nobody-at-all');
    const ch = await challenge(d.sessionToken, methodOf(d, 'email'));
    // The decoy's code is never sent; even every code a burst could guess is refused or locked.
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => verify(d.sessionToken, ch.body.challengeId, { code: String(i).padStart(6, '0') })));
    expect(answers.some((a) => a.status === 200)).toBe(false);
  });

  it('R13b: real and decoy paths take about the same time (medians, loosely)', async () => {
    await t.server.services.policy.put(t.server.services.db, DEFAULT_POLICY);
    const N = 25;
    const users = await Promise.all(Array.from({ length: N }, (_, i) => userWithEmail(t, `timed-${i}`)));
    const time = async (f: () => Promise<unknown>) => {
      const s = performance.now();
      await f();
      return performance.now() - s;
    };
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const real = { start: [] as number[], challenge: [] as number[] };
    const decoy = { start: [] as number[], challenge: [] as number[] };
    for (let i = 0; i < N; i++) {
      for (const [bucket, name] of [[real, users[i]!.user.username], [decoy, `timed-ghost-${i}`]] as const) {
        let session: Awaited<ReturnType<typeof startReset>> | undefined;
        bucket.start.push(await time(async () => (session = await startReset(t, name))));
        bucket.challenge.push(await time(() => challenge(session!.sessionToken, methodOf(session!, 'email'))));
      }
    }
    const figures = {
      startMs: { real: median(real.start), decoy: median(decoy.start) },
      challengeMs: { real: median(real.challenge), decoy: median(decoy.challenge) },
    };
    console.log('R13b medians', JSON.stringify(figures));
    for (const { real: r, decoy: d } of Object.values(figures)) {
      expect(Math.abs(r - d)).toBeLessThan(Math.max(5, 0.5 * Math.max(r, d)));
    }
  });
});
