import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpPeerProcess, type SmtpPeerProcess } from '../helpers/smtp-peer-process.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { methodOf, startReset, userWithEmail } from '../helpers/reset-helpers.js';

/**
 * R13b, measured on loopback: after identify, the challenge step (a code mailed through a real
 * SMTP peer) and a wrong code right after it take the same time for a real user and an unknown
 * name. Real and unknown runs are interleaved (and which goes first alternates), so load from
 * the rest of the machine falls on both alike; the medians must be within 0.1 ms.
 * Timing is noisy on a loaded machine: judge a failure by running this file alone.
 */
const N = Number(process.env.SSPR_TIMING_SAMPLES ?? 600);
const WARM_UP = 40;
const LIMIT_MS = 0.1;

let t: TestServer;
let relay: SmtpPeerProcess;
let users: string[];

beforeAll(async () => {
  relay = await startSmtpPeerProcess();
  t = await startTestServer({ env: { SSPR_SMTP_URL: relay.url, SSPR_LOG_LEVEL: process.env.SSPR_LOG_LEVEL ?? 'silent' } });
  users = [];
  for (let i = 0; i < N + WARM_UP; i++) users.push((await userWithEmail(t, `timed-${i}`)).user.username);
}, 300_000);
afterAll(async () => {
  await t?.close();
  await relay?.close();
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface Run {
  identify: number;
  challenge: number;
  verify: number;
}

/** One prober's walk: identify, ask for the email code, send a wrong one. */
async function walk(username: string): Promise<Run> {
  let s = performance.now();
  const session = await startReset(t, username);
  const identify = performance.now() - s;
  s = performance.now();
  const c = await t.api('POST', '/reset/session/challenges', { token: session.sessionToken, body: { methodId: methodOf(session, 'email') } });
  const challenge = performance.now() - s;
  expect(c.status).toBe(201);
  s = performance.now();
  const v = await t.api('POST', `/reset/session/challenges/${c.body.challengeId}/verify`, { token: session.sessionToken, body: { code: '000000' } });
  const verify = performance.now() - s;
  expect(v.body.code).toBe('invalid_code');
  return { identify, challenge, verify };
}

describe('R13b: challenge and verify timing', () => {
  it('R13b: a real user and an unknown name take the same median time at challenge and at verify (within 0.1 ms)', async (ctx) => {
    const real: Run[] = [];
    const unknown: Run[] = [];
    for (let i = 0; i < N + WARM_UP; i++) {
      const pair = i % 2 ? [['real', users[i]!], ['unknown', `timed-ghost-${i}`]] : [['unknown', `timed-ghost-${i}`], ['real', users[i]!]];
      for (const [kind, name] of pair) {
        const run = await walk(name!);
        if (i >= WARM_UP) (kind === 'real' ? real : unknown).push(run);
      }
    }
    // The machine's own resolution: the same comparison between two halves of one kind (A/A),
    // which differ by noise alone.
    const halves = (runs: Run[], step: keyof Run) => Math.abs(median(runs.filter((_, i) => i % 2).map((x) => x[step])) - median(runs.filter((_, i) => i % 2 === 0).map((x) => x[step])));
    const figures = (['identify', 'challenge', 'verify'] as const).map((step) => {
      const r = median(real.map((x) => x[step]));
      const u = median(unknown.map((x) => x[step]));
      return { step, real: r, unknown: u, diff: r - u, noise: Math.max(halves(real, step), halves(unknown, step)) };
    });
    console.info(`R13b timing, medians over ${N} interleaved pairs: ${figures.map((f) => `${f.step} real ${f.real.toFixed(3)} ms, unknown ${f.unknown.toFixed(3)} ms (Δ ${f.diff.toFixed(3)}, A/A ${f.noise.toFixed(3)})`).join('; ')}`);
    // Every real code reached the relay (a real hand-over was timed, not a refusal).
    await expect.poll(() => relay.received(), { timeout: 5000 }).toBe(N + WARM_UP);
    // Identify is reported for reference; this test holds the two steps after it. A machine whose
    // own A/A halves differ by 0.1 ms or more cannot tell 0.1 ms apart: judged, it would only
    // report its load. That is said and skipped; run this file alone on a quiet machine.
    const judged = figures.filter((x) => x.step !== 'identify');
    const tooNoisy = judged.filter((f) => f.noise >= LIMIT_MS);
    if (tooNoisy.length) {
      console.warn(`R13b timing not judged: this machine's A/A noise (${tooNoisy.map((f) => `${f.step} ${f.noise.toFixed(3)} ms`).join(', ')}) is at or above the ${LIMIT_MS} ms being tested; run the file alone on a quiet machine`);
      ctx.skip();
    }
    for (const f of judged) expect(Math.abs(f.diff), f.step).toBeLessThan(LIMIT_MS);
  }, 600_000);
});
