/**
 * `npx tsx bench/proof-of-work.ts`: what the identify/sign-in proof-of-work costs each side.
 * - the client: time to solve, in main's worker thread as the app does it (median, p95, max);
 * - the server: CPU per challenge issued and per solution checked (single use included,
 *   against a real SQLite store), next to one password hash (what a sign-in costs anyway)
 *   measured in the same process.
 * Settings: BENCH_SOLVES (default 20), BENCH_VERIFIES (default 2000).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../src-server/clock.js';
import { ProofOfWork } from '../src-server/security/proof-of-work.js';
import { DEFAULT_HASH_PARAMS, hashSecret } from '../src-server/security/password-hash.js';
import { openStore } from '../src-server/store/db.js';
import { RateLimitStore } from '../src-server/store/rate-limit-store.js';
import { solveProofOfWork } from '../src-main/node/proof-of-work-solver.js';

const SOLVES = Number(process.env.BENCH_SOLVES ?? '20');
const VERIFIES = Number(process.env.BENCH_VERIFIES ?? '2000');

const dir = mkdtempSync(path.join(tmpdir(), 'sspr-pow-bench-'));
const store = await openStore(`sqlite:${path.join(dir, 'bench.db')}`);
const ledger = new RateLimitStore(store.db);
const clock = new ManualClock(new Date());
const pow = new ProofOfWork({ secret: Buffer.alloc(32, 7), clock, spend: (id, at) => ledger.spendProof(id, at) });

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const cpuUs = async (fn: () => Promise<unknown>) => {
  const start = process.cpuUsage();
  await fn();
  const d = process.cpuUsage(start);
  return d.user + d.system;
};

// The client: solve as the app does (worker thread), one at a time.
const solveMs: number[] = [];
const solved: string[] = [];
for (let i = 0; i < SOLVES; i++) {
  const challenge = await pow.challenge('createResetSession');
  const t0 = performance.now();
  const header = await solveProofOfWork(challenge);
  solveMs.push(performance.now() - t0);
  if (!header) throw new Error('a challenge was not solved');
  solved.push(header);
}

// The server: issue and check, CPU per operation (each check also writes the spent-proof row).
const issued = [];
const issueCpu = await cpuUs(async () => {
  for (let i = 0; i < VERIFIES; i++) issued.push(await pow.challenge('createResetSession'));
});
// Every check does the full work (signature, key, ledger insert): the first use of each solved
// header is accepted, every later one is refused as a replay at the ledger, the last step.
let ok = 0;
const replayCpu = await cpuUs(async () => {
  for (let i = 0; i < VERIFIES; i++) if ((await pow.verify(solved[i % solved.length]!, 'createResetSession')) === 'ok') ok++;
});
const hashCpu = await cpuUs(() => hashSecret('Correct-Horse-Battery-9', DEFAULT_HASH_PARAMS));

const line = (label: string, value: string) => console.log(`${label.padEnd(44)} ${value}`);
console.log(`proof-of-work (ALTCHA v2, SHA-256, answer drawn from 40,000–80,000), ${SOLVES} solves, ${VERIFIES} checks`);
line('client solve time (worker thread): median', `${pct(solveMs, 50).toFixed(0)} ms`);
line('client solve time: p95 / max', `${pct(solveMs, 95).toFixed(0)} ms / ${Math.max(...solveMs).toFixed(0)} ms`);
line('server CPU per challenge issued', `${(issueCpu / VERIFIES).toFixed(1)} µs`);
line('server CPU per solution checked (+ ledger)', `${(replayCpu / VERIFIES).toFixed(1)} µs (${ok} first uses, the rest refused as replays)`);
line('baseline: one password hash (scrypt 2^15)', `${(hashCpu / 1000).toFixed(1)} ms`);
line('check ÷ password hash', `${(replayCpu / VERIFIES / hashCpu).toFixed(5)}×`);
line('client work ÷ server check (time)', `${((pct(solveMs, 50) * 1000) / (replayCpu / VERIFIES)).toFixed(0)}×`);
await store.close();
rmSync(dir, { recursive: true, force: true });
