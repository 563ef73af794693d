import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSmtpPeerProcess, type SmtpPeerProcess } from '../helpers/smtp-peer-process.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { userWithEmail } from '../helpers/reset-helpers.js';

/**
 * R13b, measured on loopback: identify, the challenge step (a code mailed through a real SMTP
 * peer) and a wrong code right after it take the same time for a real user and an unknown name,
 * timed by a prober in a process of its own (timing-prober.ts), as an attacker's is. Real and
 * unknown runs are interleaved (and which goes first alternates), so load from the rest of the
 * machine falls on both alike; the median of the pairs' differences — what a
 * prober who interleaves a known and an unknown name measures — must be within 0.1 ms.
 * Timing is noisy on a loaded machine: `npm test` runs this file last, alone (scripts/test.sh).
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

/**
 * The standard error of a statistic of the pairs, by bootstrap: pairs resampled whole, so load
 * that fell on both members stays paired. A fixed seed: the same runs give the same figure.
 */
function standardError(pairs: Array<[number, number]>, statistic: (pairs: Array<[number, number]>) => number, rounds = 400): number {
  let seed = 1;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const values: number[] = [];
  for (let b = 0; b < rounds; b++) values.push(statistic(pairs.map(() => pairs[Math.floor(random() * pairs.length)]!)));
  const mean = values.reduce((x, y) => x + y, 0) / rounds;
  return Math.sqrt(values.reduce((x, y) => x + (y - mean) ** 2, 0) / (rounds - 1));
}

/** What a prober who interleaves a known and an unknown name would compute: the median of each pair's difference. */
const pairedMedian = (pairs: Array<[number, number]>) => median(pairs.map(([r, u]) => r - u));
const medianGap = (pairs: Array<[number, number]>) => median(pairs.map(([r]) => r)) - median(pairs.map(([, u]) => u));

interface Run {
  identify: number;
  challenge: number;
  verify: number;
}

/** Walks every name in order in a prober process of its own (timing-prober.ts), as a remote attacker would. */
async function walkAll(names: string[]): Promise<Run[]> {
  const main = fileURLToPath(new URL('../helpers/timing-prober.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  child.stdin.end(JSON.stringify({ url: t.url, names }));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`the prober failed (exit ${code}): ${err.trim()}`);
  return JSON.parse(out) as Run[];
}

describe('R13b: challenge and verify timing', () => {
  it('R13b: a real user and an unknown name take the same time at identify, challenge and verify (median paired difference within 0.1 ms)', async (ctx) => {
    const walks: Array<{ real: boolean; name: string; measured: boolean }> = [];
    for (let i = 0; i < N + WARM_UP; i++) {
      const pair = [{ real: true, name: users[i]! }, { real: false, name: `timed-ghost-${i}` }];
      for (const w of i % 2 ? pair : pair.reverse()) walks.push({ ...w, measured: i >= WARM_UP });
    }
    const runs = await walkAll(walks.map((w) => w.name));
    const real = runs.filter((_, j) => walks[j]!.measured && walks[j]!.real);
    const unknown = runs.filter((_, j) => walks[j]!.measured && !walks[j]!.real);
    const figures = (['identify', 'challenge', 'verify'] as const).map((step) => {
      const pairs = real.map((r, i): [number, number] => [r[step], unknown[i]![step]]);
      return { step, real: median(pairs.map(([r]) => r)), unknown: median(pairs.map(([, u]) => u)), gap: medianGap(pairs), paired: pairedMedian(pairs), se: standardError(pairs, pairedMedian) };
    });
    console.info(`R13b timing over ${N} interleaved pairs (medians; Δ of the medians; paired Δ ± its standard error): ${figures.map((f) => `${f.step} real ${f.real.toFixed(3)} ms, unknown ${f.unknown.toFixed(3)} ms, Δ ${f.gap.toFixed(3)}, paired Δ ${f.paired.toFixed(3)} ± ${f.se.toFixed(3)}`).join('; ')}`);
    // Every real code reached the relay (a real hand-over was timed, not a refusal).
    await expect.poll(() => relay.received(), { timeout: 5000 }).toBe(N + WARM_UP);
    // A step is judged only where the machine resolves the limit: a standard error of a third of
    // it or less, so that no difference this machine's noise makes by itself (p < 0.003) fails
    // the test. Steps it resolves are judged first (a leak there fails even when another step is
    // too noisy); a step it cannot resolve would only report the load: that is said and skipped.
    const resolved = figures.filter((f) => f.se <= LIMIT_MS / 3);
    for (const f of resolved) expect(Math.abs(f.paired), f.step).toBeLessThan(LIMIT_MS);
    const tooNoisy = figures.filter((f) => f.se > LIMIT_MS / 3);
    if (tooNoisy.length) {
      console.warn(`R13b timing not judged at ${tooNoisy.map((f) => f.step).join(', ')}: this machine's noise (standard error ${tooNoisy.map((f) => `${f.se.toFixed(3)} ms`).join(', ')}) is above a third of the ${LIMIT_MS} ms being tested; run the file alone on a quiet machine`);
      ctx.skip();
    }
  }, 600_000);
});
