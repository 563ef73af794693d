import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * R13b at sign-in: with a realistic hash cost, a wrong password for a real account and any
 * password for an unknown name take the same time (the built-in directory hashes against a
 * dummy for unknown names), so timing does not tell which names exist.
 */
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ overrides: { hashParams: { N: 2 ** 13, r: 8, p: 1 } } });
  await t.addUser({ username: 'timed-user' });
});
afterAll(async () => {
  await t.close();
});

/** The mean of the fastest quarter: the intrinsic cost, with the machine's other load left out. */
function floor(xs: number[]): number {
  const fastest = [...xs].sort((a, b) => a - b).slice(0, Math.max(1, Math.floor(xs.length / 4)));
  return fastest.reduce((x, y) => x + y, 0) / fastest.length;
}

async function timed(username: string): Promise<number> {
  const start = performance.now();
  const r = await t.api('POST', '/auth/sign-in', { body: { username, password: 'Wrong-Passw0rd!' } });
  const ms = performance.now() - start;
  expect(r.status).toBe(401);
  return ms;
}

describe('sign-in timing', () => {
  it('R13b: a wrong password and an unknown user take the same time (fastest quarters within 25 %)', async () => {
    const known: number[] = [];
    const unknown: number[] = [];
    await timed('timed-user');
    await timed('warm-up-unknown');
    for (let i = 0; i < 16; i++) {
      known.push(await timed('timed-user'));
      unknown.push(await timed(`unknown-${i}`));
    }
    const a = floor(known);
    const b = floor(unknown);
    console.info(`sign-in, fastest quarter: wrong password ${a.toFixed(1)} ms, unknown user ${b.toFixed(1)} ms`);
    // The hash dominates: an answer without one (a few ms) would be far outside this band.
    expect(Math.min(a, b)).toBeGreaterThan(5);
    expect(Math.abs(a - b) / Math.max(a, b)).toBeLessThan(0.25);
  });
});
