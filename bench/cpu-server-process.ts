/**
 * `npx tsx bench/cpu-server-process.ts`: our server's CPU per signed-in password change on LDAP
 * (`POST /auth/sign-in` + `POST /me/password`, sequential), measured out of process as
 * bench/peer-ltb.ts measures it (/proc, all threads, here in nanoseconds; the server started from
 * src-server/main.ts over real sockets, rate limits off, log level warn, groups from memberOf),
 * without LTB and without the counting proxy (issue 12). Also prints the server's idle CPU
 * per second (background timers), measured before the changes.
 *
 * Settings: BENCH_SECONDS (20, per server and round), BENCH_ROUNDS (3), BENCH_USERS (1500),
 * BENCH_IDLE_SECONDS (10),
 * BENCH_NODE_ARGS (extra node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`), BENCH_ROOT_B
 * (a second checkout: its server runs too, on the same slapd, rounds interleaved A/B/B/A;
 * pairs differ by up to 0.1–0.2 ms run to run even A/A, so swap the roles too), BENCH_NODE_ARGS_B
 * (node flags for B only; with BENCH_ROOT_B=. an A/B of flags alone).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/free-port.js';
import { startSlapd, type Slapd } from '../test/helpers/slapd.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SECONDS = Number(process.env.BENCH_SECONDS ?? '20');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '3');
const USERS = Number(process.env.BENCH_USERS ?? '1500');
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? '10');

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

function post(agent: http.Agent, url: string, body: string, token?: string): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(token ? { authorization: `Bearer ${token}` } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
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
}

async function startServer(name: string, root: string, slapd: Slapd, users: string[], initial: (u: string) => string): Promise<Server> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-cpu-proc-'));
  const extra = [process.env.BENCH_NODE_ARGS, name === 'B' ? process.env.BENCH_NODE_ARGS_B : undefined].join(' ').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...extra, '--import', 'tsx', path.join(root, 'src-server/main.ts')], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      SSPR_PORT: String(port),
      SSPR_HOST: '127.0.0.1',
      SSPR_DATA_DIR: dataDir,
      SSPR_LOG_LEVEL: 'warn',
      SSPR_RATE_LIMITS: 'off',
      ...slapd.serverEnv(),
      SSPR_LDAP_ADMIN_GROUP: 'sspr-admins',
      SSPR_LDAP_GROUPS_FROM: 'memberOf',
    },
  });
  child.once('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (/listening on/.test(seen)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${seen.slice(-500)}`)));
  });
  return { name, child, url: `http://127.0.0.1:${port}/api/v1`, agent: new http.Agent({ keepAlive: true, maxSockets: 1 }), users, passwords: new Map(users.map((u) => [u, initial(u)])), next: 0, serial: 0, cpuMs: 0, changes: 0, idleMsPerSecond: 0, idleThreads: '', threadMs: new Map() };
}

async function change(s: Server): Promise<void> {
  const uid = s.users[s.next++ % s.users.length]!;
  const current = s.passwords.get(uid)!;
  const next = `Vx${++s.serial}-Harbor-Kite-${(s.serial * 7919) % 10007}!`;
  const signIn = await post(s.agent, `${s.url}/auth/sign-in`, JSON.stringify({ username: uid, password: current }));
  if (signIn.status !== 200) throw new Error(`${s.name}: sign-in ${signIn.status} ${signIn.text}`);
  const token = (JSON.parse(signIn.text) as { accessToken: string }).accessToken;
  const changed = await post(s.agent, `${s.url}/me/password`, JSON.stringify({ currentPassword: current, newPassword: next }), token);
  if (changed.status !== 200) throw new Error(`${s.name}: change ${changed.status} ${changed.text}`);
  s.passwords.set(uid, next);
}

/** Sequential changes for `seconds`; adds to the server's CPU and change counts. */
async function drive(s: Server, seconds: number, count = true): Promise<void> {
  const t0 = threadsOf(s.child.pid!);
  const end = performance.now() + seconds * 1000;
  let n = 0;
  while (performance.now() < end) {
    await change(s);
    n++;
  }
  if (!count) return;
  for (const [name, ms] of threadsOf(s.child.pid!)) {
    const used = ms - (t0.get(name) ?? 0);
    s.cpuMs += used;
    s.threadMs.set(name, (s.threadMs.get(name) ?? 0) + used);
  }
  s.changes += n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const slapd = await startSlapd({ memberOf: true });
  const servers: Server[] = [];
  try {
    const uids = Array.from({ length: USERS }, (_, i) => `perf${String(i).padStart(5, '0')}`);
    const initial = (uid: string) => `Init-${uid}-Qw7!`;
    await slapd.add(uids.map((uid) => [`dn: ${slapd.userDn(uid)}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `cn: Perf ${uid}`, `sn: ${uid}`, `mail: ${uid}@corp.example`, `userPassword: ${initial(uid)}`].join('\n')).join('\n\n'));
    await slapd.addGroup('sspr-admins', []);
    await slapd.addGroup('sspr-users', uids.slice(0, 50));
    const rootB = process.env.BENCH_ROOT_B;
    const half = rootB ? Math.floor(USERS / 2) : USERS;
    servers.push(await startServer('A', ROOT, slapd, uids.slice(0, half), initial));
    if (rootB) servers.push(await startServer('B', path.resolve(rootB), slapd, uids.slice(half), initial));
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
    for (const s of servers) await drive(s, 3, false); // warm-up: JIT, pools
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of round % 2 ? [...servers].reverse() : servers) await drive(s, SECONDS);
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }
    console.log(`\nSequential sign-in + change on slapd (memberOf), ${ROUNDS} rounds of ${SECONDS} s per server; CPU from /proc/PID/task/*/schedstat (all threads)`);
    for (const s of servers) {
      const perChange = s.cpuMs / s.changes;
      console.log(`${s.name === 'A' ? ROOT : path.resolve(rootB!)}: ${perChange.toFixed(3)} ms CPU per change (${s.changes} changes, ${(s.changes / (ROUNDS * SECONDS)).toFixed(0)}/s); idle ${s.idleMsPerSecond.toFixed(2)} ms CPU per second (${s.idleThreads})`);
      const threads = [...s.threadMs].map(([name, ms]) => [name.replace(/ \d+$/, ''), (ms / s.changes) * 1000] as const).filter(([, us]) => us >= 1);
      console.log(`  by thread, µs per change: ${threads.sort((a, b) => b[1] - a[1]).map(([name, us]) => `${name} ${us.toFixed(0)}`).join(', ')}`);
    }
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
