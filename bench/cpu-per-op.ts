/**
 * `npx tsx bench/cpu-per-op.ts`: the server's CPU time per operation, measured in-process
 * (`app.inject`, `process.cpuUsage`), so the figure holds when other work shares the
 * machine — unlike requests per second. Same server, store (SQLite, WAL) and seeded users as
 * `npm run bench`; mail is kept in memory instead of going over SMTP, so the figures are the
 * flow's own cost. Each phase runs `ROUNDS` times on fresh users; the median is printed,
 * with its ratio to `GET /healthz` measured the same way.
 *
 * Settings: BENCH_OPS (operations per phase and round, default 1000), BENCH_ROUNDS (3),
 * SSPR_LOG_LEVEL (default `warn`, as in `npm run bench`; lines go to /dev/null).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TOTP, Secret } from 'otpauth';
import pino from 'pino';
import { loadConfig } from '../src-server/config.js';
import type { Mailer } from '../src-server/notify/mailer.js';
import { createServer } from '../src-server/server.js';
import { codeIn } from '../test/helpers/smtp-peer.js';
import { BENCH_HASH_PARAMS, benchRecovery, benchTotpSecret, benchUser, seedBenchUsers } from './lib/server-process.js';

const OPS = Number(process.env.BENCH_OPS ?? '1000');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '3');
const CONCURRENCY = 8;
const API = '/api/v1';

interface Phase {
  name: string;
  cpuUs: number[];
  wallUs: number[];
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-cpu-'));
  const mails = new Map<string, string>();
  const mailer: Mailer = { send: async (m) => void mails.set(m.to, m.text) };
  const config = loadConfig({ env: { SSPR_DATA_DIR: dataDir, SSPR_LOG_LEVEL: process.env.SSPR_LOG_LEVEL ?? 'warn', SSPR_PORT: '0', SSPR_RATE_LIMITS: 'off' } });
  const server = await createServer(config, { hashParams: BENCH_HASH_PARAMS, mailer, logDestination: pino.destination('/dev/null') });
  const app = server.app;
  // Round 0 warms up (JIT, statement cache); rounds 1..ROUNDS are measured.
  await seedBenchUsers(server, 2 * OPS * (ROUNDS + 1));

  const inject = async (method: 'GET' | 'POST', url: string, body?: unknown, token?: string) => {
    const r = await app.inject({ method, url, payload: body as object | undefined, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: r.statusCode, body: r.body ? (JSON.parse(r.body) as any) : null };
  };
  const phases = new Map<string, Phase>();
  /** Runs `op(i)` for i in [0, OPS) with CONCURRENCY in flight; records CPU and wall µs per op. */
  const measure = async (name: string, round: number, op: (i: number) => Promise<boolean>) => {
    let next = 0;
    let failed = 0;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const worker = async () => {
      for (let i = next++; i < OPS; i = next++) if (!(await op(i))) failed++;
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await new Promise((r) => setImmediate(r)); // hand-overs started by the last requests
    const c = process.cpuUsage(c0);
    const wall = performance.now() - t0;
    if (failed) throw new Error(`${name}: ${failed}/${OPS} operations did not answer as expected`);
    if (round <= 0) return;
    const p = phases.get(name) ?? { name, cpuUs: [], wallUs: [] };
    p.cpuUs.push((c.user + c.system) / OPS);
    p.wallUs.push((wall * 1000) / OPS);
    phases.set(name, p);
  };

  for (let round = 0; round <= ROUNDS; round++) {
    // Each round uses 2·OPS fresh users: the first OPS verify by email, the next by authenticator.
    const user = (i: number) => 2 * round * OPS + i;
    await measure('GET /healthz', round, async () => (await app.inject({ method: 'GET', url: '/healthz' })).statusCode === 200);
    const sessions: Array<{ token: string; email: string; totp: string }> = [];
    const identify = async (i: number) => {
      const r = await inject('POST', `${API}/reset/sessions`, { username: benchUser(user(i)) });
      const find = (t: string) => (r.body.methods as Array<{ id: string; type: string }>).find((m) => m.type === t)!.id;
      sessions[i] = { token: r.body.sessionToken, email: find('email'), totp: find('authenticatorCode') };
      return r.status === 201;
    };
    await measure('identify (real user)', round, identify);
    await measure('(identify, not measured)', -1, (i) => identify(OPS + i));
    const decoys: Array<{ token: string; email: string }> = [];
    await measure('identify (unknown user, decoy)', round, async (i) => {
      const r = await inject('POST', `${API}/reset/sessions`, { username: `ghost-${round}-${i}` });
      decoys[i] = { token: r.body.sessionToken, email: (r.body.methods as Array<{ id: string; type: string }>).find((m) => m.type === 'email')!.id };
      return r.status === 201;
    });
    const challenges: string[] = [];
    await measure('challenge (email)', round, async (i) => {
      const r = await inject('POST', `${API}/reset/session/challenges`, { methodId: sessions[i]!.email }, sessions[i]!.token);
      challenges[i] = r.body.challengeId;
      return r.status === 201;
    });
    const decoyChallenges: string[] = [];
    await measure('challenge (email, decoy)', round, async (i) => {
      const r = await inject('POST', `${API}/reset/session/challenges`, { methodId: decoys[i]!.email }, decoys[i]!.token);
      decoyChallenges[i] = r.body.challengeId;
      return r.status === 201;
    });
    await measure('verify (email code, correct)', round, async (i) => {
      const code = codeIn(mails.get(benchRecovery(user(i)))!);
      const r = await inject('POST', `${API}/reset/session/challenges/${challenges[i]}/verify`, { code }, sessions[i]!.token);
      return r.status === 200;
    });
    await measure('verify (email code, decoy)', round, async (i) => {
      const r = await inject('POST', `${API}/reset/session/challenges/${decoyChallenges[i]}/verify`, { code: '123456' }, decoys[i]!.token);
      return r.status === 400;
    });
    const totp: string[] = [];
    await measure('challenge (authenticator)', round, async (i) => {
      const s = sessions[OPS + i]!;
      const r = await inject('POST', `${API}/reset/session/challenges`, { methodId: s.totp }, s.token);
      totp[i] = r.body.challengeId;
      return r.status === 201;
    });
    await measure('verify (authenticator code, correct)', round, async (i) => {
      const code = new TOTP({ secret: Secret.fromBase32(benchTotpSecret(user(OPS + i))) }).generate();
      const r = await inject('POST', `${API}/reset/session/challenges/${totp[i]}/verify`, { code }, sessions[OPS + i]!.token);
      return r.status === 200;
    });
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(phases.get('GET /healthz')!.cpuUs);
  console.log(`server CPU per operation, in-process: ${OPS} ops × ${ROUNDS} rounds per phase, ${CONCURRENCY} in flight, log level ${config.logLevel}`);
  for (const p of phases.values()) {
    const cpu = median(p.cpuUs);
    const spread = `${Math.min(...p.cpuUs).toFixed(0)}–${Math.max(...p.cpuUs).toFixed(0)}`;
    // One server process runs its JavaScript on one core: 10⁶ / (µs per op) is its ceiling.
    console.log(`${p.name.padEnd(38)} ${cpu.toFixed(0).padStart(6)} µs CPU/op  (${spread.padStart(11)})  ${(cpu / base).toFixed(1).padStart(5)}× healthz  ≤ ${(1e6 / cpu).toFixed(0).padStart(5)}/s per process`);
  }
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(`cpu-per-op: ${(e as Error).stack}`);
  process.exit(1);
});
