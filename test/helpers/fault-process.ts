import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { Store } from '../../src-server/store/db.js';
import { startPostgres, type PostgresPeer } from './postgres.js';
import { startSmtpPeer, type SmtpPeer } from './smtp-peer.js';

/** The fault suite's common parts: a seeded generator, a plain HTTP call, the real server process. */

/** mulberry32: a small seeded generator, so a failing round replays. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The crash tests' size and seed, from the environment: more rounds or writes find rarer cuts. */
export const FAULT_ROUNDS = Math.min(Math.max(Number(process.env.SSPR_FAULT_ROUNDS ?? 1), 1), 50);
export const FAULT_WRITES = Math.min(Math.max(Number(process.env.SSPR_FAULT_RESETS ?? 16), 2), 200);
const FAULT_BASE_SEED = Number(process.env.SSPR_FAULT_SEED ?? 20261130);

/** Round `round`'s seed and generator, printed with how to replay it. */
export function roundSeed(label: string, round: number): { seed: number; random: () => number } {
  const seed = FAULT_BASE_SEED + round;
  console.log(`[faults] ${label} seed ${seed} (replay: SSPR_FAULT_SEED=${FAULT_BASE_SEED} SSPR_FAULT_ROUNDS=${round + 1})`);
  return { seed, random: seeded(seed) };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Answer {
  status: number;
  body: any;
}

export async function call(base: string, method: string, p: string, body?: unknown, token?: string): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

/** The server process: `npm run server`'s entry, on loopback, its address read from stdout. */
export async function startProcess(env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src-server/main.ts'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[^\s]+)\/api\/v1/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(`${m[1]}/api/v1`);
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
  return { child, base };
}

export function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** What a crash test saw, printed after the run: the writes, and how each ended. */
export interface CrashCounts {
  rounds: number;
  writes: number;
  answered200: number;
  inEffect: number;
  auditFound: number;
  revoked: number;
  noticed: number;
  resumed: number;
  failedCleanly: number;
  fiveXx: number;
}

export const noCounts = (): CrashCounts => ({ rounds: 0, writes: 0, answered200: 0, inEffect: 0, auditFound: 0, revoked: 0, noticed: 0, resumed: 0, failedCleanly: 0, fiveXx: 0 });

/** The crash tests' server settings, on loopback, without rate limits, on `dataDir` (or PostgreSQL). */
export function crashEnv(o: { dataDir: string; smtpUrl: string; databaseUrl?: string }, more: Record<string, string> = {}): Record<string, string> {
  return {
    SSPR_PORT: '0',
    SSPR_HOST: '127.0.0.1',
    SSPR_DATA_DIR: o.dataDir,
    SSPR_SMTP_URL: o.smtpUrl,
    SSPR_LOG_LEVEL: 'warn',
    SSPR_RATE_LIMITS: 'off',
    // Notices a killed process had claimed are taken over after 3 × this.
    SSPR_SMTP_TIMEOUT_MS: '2000',
    // The crash is the fault here. With every change's scrypt work at once on two loaded cores,
    // a store round trip was seen to pass the 5 s default ("Query read timeout" → 503
    // store_unavailable, by design); the store deadline has its own test (store-outage).
    SSPR_STORE_TIMEOUT_MS: '20000',
    ...(o.databaseUrl ? { SSPR_DATABASE_URL: o.databaseUrl } : {}),
    ...more,
  };
}

/**
 * All the writes at once; the process dies at a seeded moment among them: after a seeded
 * number of answers, plus a seeded few milliseconds. Each write's answer, null where the
 * crash cut it off, counted into `counts` (a 5xx is logged under `label`).
 */
export async function writeAndKill(child: ChildProcess, random: () => number, writes: Array<() => Promise<Answer>>, counts: CrashCounts, label: string): Promise<Array<Answer | null>> {
  const killAfterAnswers = Math.floor(random() * (writes.length / 2));
  const killJitterMs = Math.floor(random() * 30);
  let answeredSoFar = 0;
  const answers = writes.map((write) =>
    write().then(
      (a) => {
        answeredSoFar++;
        return a;
      },
      () => null,
    ),
  );
  for (let waited = 0; answeredSoFar < killAfterAnswers && waited < 20_000; waited += 5) await sleep(5);
  await sleep(killJitterMs);
  await killed(child);
  const settled = await Promise.all(answers);
  counts.rounds++;
  counts.writes += writes.length;
  counts.answered200 += settled.filter((a) => a?.status === 200).length;
  for (const a of settled) {
    if (!a || a.status < 500) continue;
    counts.fiveXx++;
    console.log(`[faults] ${label}: a write answered ${a.status} ${JSON.stringify(a.body)}`);
  }
  return settled;
}

/** A write made again after the crash, for `user`: resumed, or refused cleanly (a 5xx is counted apart too). */
export function countRetry(counts: CrashCounts, retry: Answer, label: string, user: string): void {
  if (retry.status >= 500) {
    counts.fiveXx++;
    console.log(`[faults] ${label}: a repeated write answered ${retry.status} ${JSON.stringify(retry.body)}`);
  }
  if (retry.status === 200) counts.resumed++;
  else {
    counts.failedCleanly++;
    console.log(`[faults] ${user}: repeated write answered ${retry.status} ${JSON.stringify(retry.body)}`);
  }
}

/**
 * A password in effect after the crash has its whole completion: one success audit event
 * (R17a), the sign-in from before it ended (R28: its refresh token refused), and its notice
 * (R22) at the account's address. Each found is counted.
 */
export async function expectCompletion(
  o: { store: Store; base: string; smtp: SmtpPeer; counts: CrashCounts },
  u: { name: string; email: string; refreshToken: string },
  what: { auditType: 'password.change' | 'reset.password'; subject: RegExp },
): Promise<void> {
  const audit = await o.store.db.selectFrom('audit_events').select('id').where('username', '=', u.name).where('type', '=', what.auditType).where('result', '=', 'success').execute();
  expect(audit.length, `${u.name}: one ${what.auditType} audit event (R17a)`).toBe(1);
  o.counts.auditFound++;
  const refresh = await call(o.base, 'POST', '/auth/refresh', { refreshToken: u.refreshToken });
  expect(refresh.status, `${u.name}: the sign-in from before the write has ended (R28)`).toBe(401);
  o.counts.revoked++;
  await o.smtp.waitFor(u.email, (m) => what.subject.test(m.subject ?? ''), 30_000);
  o.counts.noticed++;
}

/** A crash run's peers: PostgreSQL for that store, an SMTP peer, a data directory; `close` ends them. */
export async function crashPeers(store: 'sqlite' | 'postgres', prefix: string): Promise<{ pg: PostgresPeer | null; smtp: SmtpPeer; dataDir: string; close(): Promise<void> }> {
  const pg = store === 'postgres' ? await startPostgres() : null;
  const smtp = await startSmtpPeer();
  const dataDir = mkdtempSync(path.join(tmpdir(), prefix));
  return {
    pg,
    smtp,
    dataDir,
    async close() {
      await smtp.close();
      pg?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
