/**
 * `npx tsx bench/cpu-server-process.ts`: our server's CPU per signed-in password change on LDAP
 * (`POST /auth/sign-in` + `POST /me/password`, sequential), measured out of process as
 * bench/peer-ltb.ts measures it (/proc, all threads, here in nanoseconds; the server started from
 * src-server/main.ts over real sockets, rate limits off, log level warn, groups from memberOf),
 * without LTB and without the counting proxy (issue 12); with each change's latency and the bytes
 * the server wrote per change (/proc/PID/io: by its write calls, and to storage). Also prints the
 * server's idle CPU per second (background timers), measured before the changes.
 *
 * Settings: BENCH_SECONDS (20, per server and round), BENCH_ROUNDS (3), BENCH_USERS (1500),
 * BENCH_IDLE_SECONDS (10), BENCH_CONCURRENCY (1: sequential; 8 measures the server saturated,
 * where CPU per change decides changes/s — pair it with short rounds, e.g. BENCH_SECONDS=2
 * BENCH_ROUNDS=40, as the host's neighbours drift over seconds),
 * BENCH_NODE_ARGS (extra node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`), BENCH_ROOT_B
 * (a second checkout: its server runs too, on the same slapd, rounds interleaved A/B/B/A;
 * pairs differ by up to 0.1–0.2 ms run to run even A/A, so swap the roles too), BENCH_NODE_ARGS_B
 * (node flags for B only; with BENCH_ROOT_B=. an A/B of flags alone).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSlapd, type Slapd } from '../test/helpers/slapd.js';
import { initialPassword, seedPerfUsers, signInAndChange, startOurServer } from './lib/our-server-on-slapd.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? '20');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '3');
const USERS = Number(process.env.BENCH_USERS ?? '1500');
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? '10');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? '1');

/** CPU ms of each thread of `pid` by name: /proc/PID/task/TID/schedstat counts nanoseconds (stat's 1/100 s ticks are too coarse for idle work). */
function threadsOf(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = Number(tid) === pid ? 'main' : readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      const ns = Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      out.set(`${name} ${tid}`, ns / 1e6);
    } catch {
      /* ended */
    }
  }
  return out;
}

interface Server {
  name: string;
  child: ChildProcess;
  url: string;
  agent: http.Agent;
  users: string[];
  passwords: Map<string, string>;
  next: number;
  serial: number;
  cpuMs: number;
  changes: number;
  idleMsPerSecond: number;
  idleThreads: string;
  /** CPU ms per thread (by name and id) over the measured changes. */
  threadMs: Map<string, number>;
  /** ms per sign-in + change, measured rounds only. */
  latencies: number[];
  /** Changes per second and CPU ms per change of each measured round, in order (paired with the other server's by round). */
  rates: number[];
  roundCpu: number[];
  /** The first sign-in + change after the server started (cold JIT, pools, dictionaries). */
  firstMs: number;
  /** Bytes the server process wrote (write syscalls to files and sockets; to storage), measured rounds only. */
  wroteBytes: number;
  storageBytes: number;
}

/** `wchar` and `write_bytes` of /proc/PID/io: all bytes written by syscalls, and those sent to storage. */
function ioOf(pid: number): { wrote: number; storage: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? NaN);
  return { wrote: field('wchar'), storage: field('write_bytes') };
}

async function startServer(name: string, root: string, slapd: Slapd, users: string[]): Promise<Server> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-cpu-proc-'));
  const nodeArgs = [process.env.BENCH_NODE_ARGS, name === 'B' ? process.env.BENCH_NODE_ARGS_B : undefined].join(' ').split(' ').filter(Boolean);
  const { child, url } = await startOurServer({ root, slapd, dataDir, groupsFrom: 'memberOf', nodeArgs });
  child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  return { name, child, url, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), users, passwords: new Map(users.map((u) => [u, initialPassword(u)])), next: 0, serial: 0, cpuMs: 0, changes: 0, idleMsPerSecond: 0, idleThreads: '', threadMs: new Map(), latencies: [], rates: [], roundCpu: [], firstMs: 0, wroteBytes: 0, storageBytes: 0 };
}

async function change(s: Server, agent = s.agent): Promise<void> {
  const uid = s.users[s.next++ % s.users.length]!;
  const next = `Vx${++s.serial}-Harbor-Kite-${(s.serial * 7919) % 10007}!`;
  await signInAndChange(agent, s.url, uid, s.passwords.get(uid)!, next);
  s.passwords.set(uid, next);
}

/** Changes for `seconds`, BENCH_CONCURRENCY at a time (each client its own connection); adds to the server's CPU and change counts. */
async function drive(s: Server, seconds: number, count = true): Promise<void> {
  const t0 = threadsOf(s.child.pid!);
  const io0 = ioOf(s.child.pid!);
  const started0 = performance.now();
  const end = started0 + seconds * 1000;
  const latencies: number[] = [];
  const client = async (agent: http.Agent) => {
    while (performance.now() < end) {
      const started = performance.now();
      await change(s, agent);
      latencies.push(performance.now() - started);
    }
  };
  const agents = Array.from({ length: CONCURRENCY }, (_, i) => (i === 0 ? s.agent : new http.Agent({ keepAlive: true, maxSockets: 1 })));
  await Promise.all(agents.map(client));
  const elapsed = performance.now() - started0;
  for (const agent of agents.slice(1)) agent.destroy();
  if (!count) return;
  s.rates.push((latencies.length / elapsed) * 1000);
  const io1 = ioOf(s.child.pid!);
  s.wroteBytes += io1.wrote - io0.wrote;
  s.storageBytes += io1.storage - io0.storage;
  s.latencies.push(...latencies);
  const n = latencies.length;
  let round = 0;
  for (const [name, ms] of threadsOf(s.child.pid!)) {
    const used = ms - (t0.get(name) ?? 0);
    round += used;
    s.threadMs.set(name, (s.threadMs.get(name) ?? 0) + used);
  }
  s.cpuMs += round;
  s.roundCpu.push(round / n);
  s.changes += n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1] ?? NaN;

async function main(): Promise<void> {
  const slapd = await startSlapd({ memberOf: true });
  const servers: Server[] = [];
  try {
    const uids = await seedPerfUsers(slapd, USERS);
    const rootB = process.env.BENCH_ROOT_B;
    const half = rootB ? Math.floor(USERS / 2) : USERS;
    servers.push(await startServer('A', ROOT, slapd, uids.slice(0, half)));
    if (rootB) servers.push(await startServer('B', path.resolve(rootB), slapd, uids.slice(half)));
    // The decoy-population count reads the whole directory 5 s after start (R13b): waited out.
    await sleep(8_000);
    for (const s of servers) {
      const t0 = threadsOf(s.child.pid!);
      await sleep(IDLE_SECONDS * 1000);
      const t1 = threadsOf(s.child.pid!);
      const per = [...t1].map(([name, ms]) => [name, (ms - (t0.get(name) ?? 0)) / IDLE_SECONDS] as const).filter(([, ms]) => ms >= 0.05);
      s.idleMsPerSecond = per.reduce((a, [, ms]) => a + ms, 0);
      s.idleThreads = per.sort((a, b) => b[1] - a[1]).map(([name, ms]) => `${name.replace(/ \d+$/, '')} ${ms.toFixed(2)}`).join(', ');
    }
    for (const s of servers) {
      const started = performance.now();
      await change(s);
      s.firstMs = performance.now() - started;
    }
    for (const s of servers) await drive(s, 3, false); // warm-up: JIT, pools
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of round % 2 ? [...servers].reverse() : servers) await drive(s, SECONDS);
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    const how = CONCURRENCY === 1 ? 'Sequential' : `${CONCURRENCY} concurrent clients'`;
    console.log(`\n${how} sign-in + change on slapd (memberOf), ${ROUNDS} rounds of ${SECONDS} s per server; CPU from /proc/PID/task/*/schedstat (all threads)`);
    for (const s of servers) {
      const perChange = s.cpuMs / s.changes;
      console.log(`${s.name === 'A' ? ROOT : path.resolve(rootB!)}: ${perChange.toFixed(3)} ms CPU per change (${s.changes} changes, ${median(s.rates).toFixed(0)}/s median of rounds); idle ${s.idleMsPerSecond.toFixed(2)} ms CPU per second (${s.idleThreads})`);
      const threads = [...s.threadMs].map(([name, ms]) => [name.replace(/ \d+$/, ''), (ms / s.changes) * 1000] as const).filter(([, us]) => us >= 1);
      const sorted = [...s.latencies].sort((a, b) => a - b);
      const q = (f: number) => sorted[Math.min(sorted.length - 1, Math.floor(f * sorted.length))]!.toFixed(2);
      console.log(`  latency ms: first change after start ${s.firstMs.toFixed(1)}, then p50 ${q(0.5)}, p99 ${q(0.99)}, p99.9 ${q(0.999)}, max ${q(1)}; written per change: ${(s.wroteBytes / s.changes / 1024).toFixed(1)} KiB by syscalls (files and sockets), ${(s.storageBytes / s.changes / 1024).toFixed(1)} KiB to storage`);
      console.log(`  by thread, µs per change: ${threads.sort((a, b) => b[1] - a[1]).map(([name, us]) => `${name} ${us.toFixed(0)}`).join(', ')}`);
    }
    const [a, b] = servers;
    if (a && b) console.log(`B ÷ A, median of the rounds' ratios (each round's pair run back to back): changes/s ${median(b.rates.map((r, i) => r / a.rates[i]!)).toFixed(3)}, CPU per change ${median(b.roundCpu.map((c, i) => c / a.roundCpu[i]!)).toFixed(3)}`);
  } finally {
    for (const s of servers) {
      s.agent.destroy();
      const exited = new Promise((r) => s.child.once('exit', r));
      s.child.kill('SIGTERM');
      await exited;
    }
    await slapd.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
