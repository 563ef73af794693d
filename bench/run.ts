/**
 * `npm run bench`: the server's throughput and latency on this machine, at 64 concurrent
 * clients against a server in its own process — identify, challenge, verify (code methods),
 * a full two-method reset per second, the server's RSS — each with its ratio to a baseline
 * (`GET /healthz`) measured in the same run, and the CPU each operation cost the server and
 * the bench process. Then latency at the target rates (open loop). Password hashing
 * (scrypt) is reported apart.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { TOTP, Secret } from 'otpauth';
import { DEFAULT_HASH_PARAMS, hashSecret } from '../src-server/security/password-hash.js';
import { startSmtpPeer } from '../test/helpers/smtp-peer.js';
import { formatResult, LoadClient, runAtRate, runLoad } from './lib/http-load.js';
import { MailCodes } from './lib/mail-codes.js';
import { benchRecovery, benchTotpSecret, benchUser } from './lib/server-process.js';

const CONCURRENCY = 64;
/** The throughput targets, offered as open-loop rates for the latency phases. */
const IDENTIFY_RATE = 1000;
const CODE_RATE = 500;
const OPEN_SECONDS = 3;
const USERS = Number(process.env.BENCH_USERS ?? '9000');

function totpNow(i: number): string {
  return new TOTP({ secret: Secret.fromBase32(benchTotpSecret(i)) }).generate();
}

function rssOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN) / 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-bench-'));
  const smtp = await startSmtpPeer();
  const mail = new MailCodes(smtp);
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'lib/server-process.ts')], {
    env: { ...process.env, BENCH_USERS: String(USERS), SSPR_DATA_DIR: dataDir, SSPR_SMTP_URL: smtp.url, SSPR_LOG_LEVEL: 'warn', SSPR_PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const { url, adminToken, pid } = JSON.parse(line) as { url: string; adminToken: string; pid: number };
  const client = new LoadClient(new URL(url), CONCURRENCY);
  const out: string[] = [];
  const say = (s: string) => {
    out.push(s);
    console.log(s);
  };
  say(`SSPR server bench: ${USERS} users, ${CONCURRENCY} concurrent clients, 2 cores, SQLite (WAL)`);

  try {
    await runLoad('warm-up', 2000, CONCURRENCY, async () => (await client.request('GET', '/policy')).status === 200);
    const base = new URL(url);
    const health = new LoadClient(new URL(`${base.protocol}//${base.host}/`), CONCURRENCY);
    const baseline = await runLoad('baseline GET /healthz', 20000, CONCURRENCY, async () => (await health.request('GET', '/healthz')).status === 200, pid);
    health.close();
    say(formatResult(baseline));

    // identify: one session per user, then reused by the next phases.
    const third = Math.floor(USERS / 3);
    const sessions: Array<{ token: string; email: string; totp: string }> = [];
    const identify = await runLoad('identify POST /reset/sessions', USERS, CONCURRENCY, async (i) => {
      const r = await client.request('POST', '/reset/sessions', { username: benchUser(i) });
      if (r.status !== 201) return false;
      const find = (t: string) => (r.body.methods as Array<{ id: string; type: string }>).find((m) => m.type === t)!.id;
      sessions[i] = { token: r.body.sessionToken, email: find('email'), totp: find('authenticatorCode') };
      return true;
    }, pid);
    say(formatResult(identify, baseline));

    // challenge (email code handed to the real SMTP peer) for the first third.
    const challenges: string[] = [];
    const challenge = await runLoad('challenge POST …/challenges (email)', third, CONCURRENCY, async (i) => {
      const r = await client.request('POST', '/reset/session/challenges', { methodId: sessions[i]!.email }, sessions[i]!.token);
      challenges[i] = r.body?.challengeId;
      return r.status === 201;
    }, pid);
    say(formatResult(challenge, baseline));

    // verify, code methods: the emailed code (read from the SMTP peer) for the first third…
    const codes: string[] = [];
    for (let i = 0; i < third; i++) codes[i] = await mail.take(benchRecovery(i), 60_000);
    const verifyEmail = await runLoad('verify (email code, correct)', third, CONCURRENCY, async (i) => {
      const r = await client.request('POST', `/reset/session/challenges/${challenges[i]}/verify`, { code: codes[i] }, sessions[i]!.token);
      return r.status === 200;
    }, pid);
    say(formatResult(verifyEmail, baseline));
    // …and authenticator codes (TOTP, one use per step) for the second third.
    const totpChallenges: string[] = [];
    await runLoad('(authenticator challenges)', third, CONCURRENCY, async (k) => {
      const i = third + k;
      const r = await client.request('POST', '/reset/session/challenges', { methodId: sessions[i]!.totp }, sessions[i]!.token);
      totpChallenges[k] = r.body?.challengeId;
      return r.status === 201;
    });
    const verifyTotp = await runLoad('verify (authenticator code, correct)', third, CONCURRENCY, async (k) => {
      const i = third + k;
      const r = await client.request('POST', `/reset/session/challenges/${totpChallenges[k]}/verify`, { code: totpNow(i) }, sessions[i]!.token);
      return r.status === 200;
    }, pid);
    say(formatResult(verifyTotp, baseline));

    // The same steps offered at the target rates (open loop): latency when the server is
    // not saturated. At 64 closed-loop clients latency is 64 / throughput by Little's law.
    const openIdentify = Math.min(USERS, IDENTIFY_RATE * OPEN_SECONDS);
    const openSessions: Array<{ token: string; email: string }> = [];
    const identifyAtRate = await runAtRate(`identify at ${IDENTIFY_RATE}/s (open loop)`, openIdentify, IDENTIFY_RATE, async (i) => {
      const r = await client.request('POST', '/reset/sessions', { username: benchUser(i) });
      if (r.status !== 201) return false;
      openSessions[i] = { token: r.body.sessionToken, email: (r.body.methods as Array<{ id: string; type: string }>).find((m) => m.type === 'email')!.id };
      return true;
    }, pid);
    say(formatResult(identifyAtRate));
    const openCodes = Math.min(openIdentify, CODE_RATE * OPEN_SECONDS);
    const openChallenges: string[] = [];
    const challengeAtRate = await runAtRate(`challenge (email) at ${CODE_RATE}/s (open loop)`, openCodes, CODE_RATE, async (i) => {
      const r = await client.request('POST', '/reset/session/challenges', { methodId: openSessions[i]!.email }, openSessions[i]!.token);
      openChallenges[i] = r.body?.challengeId;
      return r.status === 201;
    }, pid);
    say(formatResult(challengeAtRate));
    const openCodesMailed: string[] = [];
    for (let i = 0; i < openCodes; i++) openCodesMailed[i] = await mail.take(benchRecovery(i), 60_000);
    const verifyAtRate = await runAtRate(`verify (email) at ${CODE_RATE}/s (open loop)`, openCodes, CODE_RATE, async (i) => {
      const r = await client.request('POST', `/reset/session/challenges/${openChallenges[i]}/verify`, { code: openCodesMailed[i] }, openSessions[i]!.token);
      return r.status === 200;
    }, pid);
    say(formatResult(verifyAtRate));

    // full two-method resets (identify → email → TOTP → new password) for the last third.
    const policy = await client.request('GET', '/admin/policy', undefined, adminToken);
    policy.body.sspr.methodsRequired = 2;
    await client.request('PUT', '/admin/policy', policy.body, adminToken);
    await new Promise((r) => setTimeout(r, 2100)); // the policy cache's TTL
    const resets = Math.min(third, 1000);
    const full = await runLoad('full two-method reset', resets, CONCURRENCY, async (k) => {
      const i = 2 * third + k;
      const start = await client.request('POST', '/reset/sessions', { username: benchUser(i) });
      const token = start.body.sessionToken as string;
      const m = start.body.methods as Array<{ id: string; type: string }>;
      const c1 = await client.request('POST', '/reset/session/challenges', { methodId: m.find((x) => x.type === 'email')!.id }, token);
      const code = await mail.take(benchRecovery(i), 30_000);
      const v1 = await client.request('POST', `/reset/session/challenges/${c1.body.challengeId}/verify`, { code }, token);
      const c2 = await client.request('POST', '/reset/session/challenges', { methodId: m.find((x) => x.type === 'authenticatorCode')!.id }, token);
      const v2 = await client.request('POST', `/reset/session/challenges/${c2.body.challengeId}/verify`, { code: totpNow(i) }, token);
      const done = await client.request('POST', '/reset/session/password', { newPassword: 'Fresh-Harbor-Lantern-Qz!', unlockAccount: true }, token);
      return v1.status === 200 && v2.body?.complete === true && done.status === 200;
    }, pid);
    say(`${formatResult(full)}  → ${full.rps.toFixed(1)} resets/s`);

    const mem = rssOf(pid);
    say(`server RSS ${mem.rss.toFixed(0)} MiB (peak ${mem.peak.toFixed(0)} MiB)`);

    // Password hashing at production cost, reported apart from the flow figures.
    const n = 20;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, (_, i) => hashSecret(`Some-Password-${i}`, DEFAULT_HASH_PARAMS)));
    const ms = (performance.now() - t0) / n;
    say(`scrypt N=2^${Math.log2(DEFAULT_HASH_PARAMS.N)} r=${DEFAULT_HASH_PARAMS.r}: ${ms.toFixed(1)} ms per hash (amortised over ${n} parallel), ${(1000 / ms).toFixed(0)} hashes/s`);
    const targets = [
      ['identify ≥ 1000/s', identify.rps >= 1000],
      ['verify ≥ 500/s', Math.min(verifyEmail.rps, verifyTotp.rps) >= 500],
      ['p99 < 25 ms (identify, challenge, verify) at 64 clients', Math.max(identify.p99, challenge.p99, verifyEmail.p99, verifyTotp.p99) < 25],
      [`p99 < 25 ms at the target rates (open loop: identify ${IDENTIFY_RATE}/s, challenge and verify ${CODE_RATE}/s)`, Math.max(identifyAtRate.p99, challengeAtRate.p99, verifyAtRate.p99) < 25 && Math.min(identifyAtRate.rps / IDENTIFY_RATE, challengeAtRate.rps / CODE_RATE, verifyAtRate.rps / CODE_RATE) > 0.95],
    ] as const;
    for (const [what, ok] of targets) say(`target ${what}: ${ok ? 'met' : 'NOT met'}`);
  } finally {
    client.close();
    child.kill('SIGTERM');
    await smtp.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench: ${(e as Error).stack}`);
  process.exit(1);
});
