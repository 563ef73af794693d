/**
 * `npx tsx bench/cpu-sign-in-change.ts`: the server's CPU per sign-in and per signed-in
 * password change (issue 12), in-process (`app.inject`, `process.cpuUsage`, all threads) as
 * bench/cpu-per-op.ts measures, on the built-in directory and on a fresh slapd. On the
 * built-in directory the password hashing (scrypt, in libuv's threads) is measured on its own
 * and shown apart; on LDAP the directory's own time is slapd's process, not counted here.
 * Each phase runs BENCH_OPS (default 300) operations with 8 in flight, BENCH_ROUNDS (3)
 * times after BENCH_WARMUP (1) warm-up rounds; the median round is printed. BENCH_DIRECTORY=builtin or ldap
 * runs one side only; BENCH_PROFILE=dir writes a CPU profile of each side's measured
 * operations there (setup left out). BENCH_SCRYPT_N (default 1024) sets the built-in side's
 * scrypt cost: at 16 the hashing is a few µs, so the server's own CPU is measured directly
 * instead of as a difference of two noisy figures.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src-server/config.js';
import type { BuiltinDirectory } from '../src-server/directory/builtin-directory.js';
import type { Mailer } from '../src-server/notify/mailer.js';
import { hashSecret, verifySecret } from '../src-server/security/password-hash.js';
import { createServer, type SsprServer } from '../src-server/server.js';
import { startSlapd, type Slapd } from '../test/helpers/slapd.js';
import { BENCH_HASH_PARAMS } from './lib/server-process.js';

const OPS = Number(process.env.BENCH_OPS ?? '300');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '3');
const WARMUP = Number(process.env.BENCH_WARMUP ?? '1');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? '8');
const HASH_PARAMS = { ...BENCH_HASH_PARAMS, N: Number(process.env.BENCH_SCRYPT_N ?? BENCH_HASH_PARAMS.N) };
const API = '/api/v1';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function cpuPerOp(run: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const c0 = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    for (let i = next++; i < OPS; i = next++) await run(i);
  }));
  await new Promise((r) => setImmediate(r));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / OPS;
}

/** `run` under the inspector's profiler when BENCH_PROFILE names a folder. */
async function profiled<T>(name: string, run: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_PROFILE;
  if (!dir) return run();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const result = await run();
  const { profile } = await session.post('Profiler.stop');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  session.disconnect();
  return result;
}

/** Sign-in, then change, for OPS fresh users per round; µs CPU per operation (median round). */
async function measure(server: SsprServer, user: (n: number) => string, password: (n: number) => string): Promise<{ signIn: number; change: number }> {
  // The decoy-population count (R13b) reads every account 5 s after start: background work of
  // no sign-in or change, which would otherwise land in one round or another. Not started here.
  await server.decoyPopulation.stop();
  const app = server.app;
  const post = async (url: string, body: unknown, token?: string) => {
    const r = await app.inject({ method: 'POST', url: `${API}${url}`, payload: body as object, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: r.statusCode, body: JSON.parse(r.body) as { accessToken?: string } };
  };
  const signIn: number[] = [];
  const change: number[] = [];
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    const n = (i: number) => round * OPS + i;
    const tokens: string[] = [];
    const s = await cpuPerOp(async (i) => {
      const r = await post('/auth/sign-in', { username: user(n(i)), password: password(n(i)) });
      if (r.status !== 200) throw new Error(`sign-in ${r.status}: ${JSON.stringify(r.body)}`);
      tokens[i] = r.body.accessToken!;
    });
    const c = await cpuPerOp(async (i) => {
      const r = await post('/me/password', { currentPassword: password(n(i)), newPassword: `Vx${n(i)}-Harbor-Kite-${(n(i) * 7919) % 10007}!` }, tokens[i]);
      if (r.status !== 200) throw new Error(`change ${r.status}: ${JSON.stringify(r.body)}`);
    });
    if (round >= WARMUP) {
      signIn.push(s);
      change.push(c);
    }
  }
  return { signIn: median(signIn), change: median(change) };
}

async function builtin(mailer: Mailer): Promise<void> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-cpu-sc-'));
  // Rate limits off: one address signing in hundreds of times would meet the proof-of-work (428).
  const config = loadConfig({ env: { SSPR_DATA_DIR: dataDir, SSPR_LOG_LEVEL: 'warn', SSPR_PORT: '0', SSPR_RATE_LIMITS: 'off' } });
  const server = await createServer(config, { hashParams: HASH_PARAMS, mailer, logDestination: pino.destination('/dev/null') });
  const dir = server.services.directory as BuiltinDirectory;
  const users = OPS * (WARMUP + ROUNDS);
  await server.services.db.transaction().execute(async (trx) => {
    for (let i = 0; i < users; i++) await dir.createUser({ username: `cpu${i}`, password: `Init-cpu${i}-Qw7!`, displayName: 'Bench User', email: `cpu${i}@example.com` }, trx);
  });
  const figures = await profiled('builtin', () => measure(server, (n) => `cpu${n}`, (n) => `Init-cpu${n}-Qw7!`));
  // scrypt at the bench's parameters, per call, measured alone (libuv threads included).
  const hash = await hashSecret('Some-Passw0rd-Here', HASH_PARAMS);
  const c0 = process.cpuUsage();
  for (let i = 0; i < 200; i++) await verifySecret('Some-Passw0rd-Here', hash);
  const c = process.cpuUsage(c0);
  const scrypt = (c.user + c.system) / 200;
  // Sign-in: 1 verify. Change: the current password (1 verify) and the new hash (1); "not the
  // current one" for the history rule takes none (the texts are compared), and the bench's
  // users have no older history.
  const signInHashes = 1;
  const changeHashes = 2;
  const row = (name: string, us: number, hashes: number) =>
    console.log(`${name.padEnd(34)} ${(us / 1000).toFixed(2).padStart(6)} ms CPU  = ${((us - hashes * scrypt) / 1000).toFixed(2).padStart(5)} ms + ${hashes} scrypt × ${(scrypt / 1000).toFixed(2)} ms`);
  console.log(`\nbuilt-in directory (scrypt N=${HASH_PARAMS.N}, r=${HASH_PARAMS.r})`);
  row('sign-in', figures.signIn, signInHashes);
  row('change (signed in)', figures.change, changeHashes);
  row('sign-in + change', figures.signIn + figures.change, signInHashes + changeHashes);
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}

async function ldap(mailer: Mailer): Promise<void> {
  const slapd: Slapd = await startSlapd();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-cpu-sc-'));
  try {
    const users = OPS * (WARMUP + ROUNDS);
    const uid = (n: number) => `cpu${n}`;
    const password = (n: number) => `Init-cpu${n}-Qw7!`;
    await slapd.add(Array.from({ length: users }, (_, n) => [`dn: ${slapd.userDn(uid(n))}`, 'objectClass: inetOrgPerson', `uid: ${uid(n)}`, 'cn: Bench User', 'sn: User', `mail: ${uid(n)}@corp.example`, `userPassword: ${password(n)}`].join('\n')).join('\n\n'));
    await slapd.addGroup('sspr-admins', []);
    const config = loadConfig({
      env: {
        SSPR_DATA_DIR: dataDir, SSPR_LOG_LEVEL: 'warn', SSPR_PORT: '0', SSPR_RATE_LIMITS: 'off',
        ...slapd.serverEnv(), SSPR_LDAP_ADMIN_GROUP: 'sspr-admins',
      },
    });
    const server = await createServer(config, { mailer, logDestination: pino.destination('/dev/null') });
    const figures = await profiled('ldap', () => measure(server, uid, password));
    console.log('\nOpenLDAP (slapd with ppolicy; its own CPU is not in these figures)');
    for (const [name, us] of [['sign-in', figures.signIn], ['change (signed in)', figures.change], ['sign-in + change', figures.signIn + figures.change]] as const) {
      console.log(`${name.padEnd(34)} ${(us / 1000).toFixed(2).padStart(6)} ms CPU`);
    }
    await server.close();
  } finally {
    await slapd.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const mailer: Mailer = { send: async () => {} };
  console.log(`server CPU per operation, in-process: ${OPS} ops × ${ROUNDS} rounds after ${WARMUP} warm-up, ${CONCURRENCY} in flight`);
  const only = process.env.BENCH_DIRECTORY;
  if (only !== 'ldap') await builtin(mailer);
  if (only !== 'builtin') await ldap(mailer);
}

main().catch((e: unknown) => {
  console.error(`cpu-sign-in-change: ${(e as Error).stack}`);
  process.exit(1);
});
