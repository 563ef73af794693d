/**
 * `npx tsx bench/peer-ltb.ts`: a signed-in password change on one fresh slapd (ppolicy, the
 * ACLs and service account of test/helpers/slapd.ts, BENCH_USERS users), our server against
 * LTB Self Service Password 1.5.4, interleaved (issue 12). Ours = `POST /auth/sign-in` +
 * `POST /me/password`; LTB = its one form POST (PHP's built-in server, 8 workers, a writable
 * copy of ../shared/peers/ltb-self-service-password). Prints p50/p95/p99 (sequential),
 * changes per second at concurrency 1 and 8, CPU per change of each product and of slapd
 * (/proc, all processes and threads), LDAP operations per change (a counting proxy in front
 * of slapd, one per product, so each pays the same hop) and the ratios ours ÷ LTB.
 * A third row, "bare Node", runs our API's two requests and LDAP operations on the same Node
 * and ldapts with nothing else (bench/lib/bare-ldap-server.ts): the platform's floor, so the
 * ratio splits into what Node and two requests cost and what our own code costs.
 * Without PHP or the peer's folder it says so in one line and runs our side alone.
 *
 * Settings: BENCH_USERS (1500), BENCH_ROUNDS (3), BENCH_SEQ (changes per product and round at
 * concurrency 1, default 150), BENCH_CONC (at concurrency 8, default 300), BENCH_LTB_DIR,
 * BENCH_GROUPS_FROM (memberOf | search), BENCH_NODE_ARGS (extra node flags for our server, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`),
 * BENCH_BARE (0: without the bare Node row), BENCH_PASSWORDS (long: 20-23 characters whose tail
 * alone decides the strength verdict, the default; short: 13-16 characters, the shape most
 * people choose, which zxcvbn scores in full — LTB runs no strength estimate).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLdapCounter, type LdapCounter, type LdapOpCounts } from '../test/helpers/ldap-counter.js';
import { startSlapd, type Slapd } from '../test/helpers/slapd.js';
import { freePort } from '../test/helpers/free-port.js';
import { httpRequest, initialPassword, seedPerfUsers, signInAndChange, startBareServer, startOurServer, waitForLine } from './lib/our-server-on-slapd.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const USERS = Number(process.env.BENCH_USERS ?? '1500');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? '3');
const SEQ = Number(process.env.BENCH_SEQ ?? '150');
const CONC = Number(process.env.BENCH_CONC ?? '300');
const CONCURRENCY = 8;
/** `memberOf` (default): slapd runs the memberof overlay and ours reads groups off the entry; `search`: group searches. */
const GROUPS_FROM = process.env.BENCH_GROUPS_FROM === 'search' ? 'search' : 'memberOf';
/** BENCH_BARE=0 leaves out the bare Node floor (bench/lib/bare-ldap-server.ts). */
const BARE = process.env.BENCH_BARE !== '0';
/** The new passwords' shape (BENCH_PASSWORDS): see the header. */
const SHORT_PASSWORDS = process.env.BENCH_PASSWORDS === 'short';
const LTB_DIR = process.env.BENCH_LTB_DIR ?? path.resolve(ROOT, '../shared/peers/ltb-self-service-password');
const TICK_MS = 1000 / 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

interface Product {
  name: 'ours' | 'LTB' | 'bare Node';
  counter: LdapCounter;
  /** Processes whose CPU is this product's (the PHP master and its workers; our server). */
  pids: () => number[];
  /** One change for a user; throws when the product did not change the password. */
  change(uid: string, current: string, next: string): Promise<void>;
  users: string[];
  passwords: Map<string, string>;
  next: number;
  serial: number;
  seq: number[];
  conc: number[];
  concSeconds: number;
  seqSeconds: number;
  cpuMs: number;
  slapdCpuMs: number;
  changes: number;
  ops: LdapOpCounts[];
}

// ---- processes and their CPU ----

function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  } catch {
    return 0;
  }
}

/** `pid` and its descendants (PHP's built-in server forks its workers). */
function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  return tree;
}

function slapdPid(slapd: Slapd): number {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
      if (cmd.startsWith('/usr/sbin/slapd') && cmd.includes(`127.0.0.1:${slapd.port}/`)) return Number(name);
    } catch {
      /* gone */
    }
  }
  throw new Error('slapd process not found');
}

const cpuSum = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuOf(pid), 0);


// ---- the two products ----

async function startOurs(slapd: Slapd, counter: LdapCounter, dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const started = await startOurServer({ root: ROOT, slapd, ldapUrl: counter.url, dataDir, groupsFrom: GROUPS_FROM, nodeArgs: process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) });
  await quietAfterFirstCount(counter);
  return started;
}

/**
 * Our server counts what identify shows every account (R13b decoys) 5 s after it starts, and
 * every 6 hours: a background read of the whole directory, which LTB has no counterpart of.
 * Waited out here, so its searches are not counted against the changes measured.
 */
async function quietAfterFirstCount(counter: LdapCounter): Promise<void> {
  await new Promise((r) => setTimeout(r, 5_500));
  let last = -1;
  for (;;) {
    const seen = counter.counts().search;
    if (seen === last) return;
    last = seen;
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function startLtb(slapd: Slapd, counter: LdapCounter, dir: string): Promise<{ child: ChildProcess; url: string }> {
  const tree = path.join(dir, 'ltb');
  cpSync(LTB_DIR, tree, { recursive: true });
  spawnSync('chmod', ['-R', 'u+w', tree]);
  mkdirSync(path.join(tree, 'cache'), { recursive: true });
  mkdirSync(path.join(tree, 'templates_c'), { recursive: true });
  chmodSync(path.join(tree, 'cache'), 0o777);
  chmodSync(path.join(tree, 'templates_c'), 0o777);
  // The settings of the figures: the user's own bind writes, clear text so slapd's
  // ppolicy hashes, the ppolicy control on; questions, tokens, SMS, captcha, rate limit off.
  writeFileSync(
    path.join(tree, 'conf/config.inc.local.php'),
    `<?php
$ldap_url = "${counter.url}";
$ldap_binddn = "${slapd.serviceDn}";
$ldap_bindpw = '${slapd.servicePassword}';
$ldap_base = "${slapd.baseDn}";
$ldap_filter = "(&(objectClass=person)(uid={login}))";
$ldap_use_ppolicy_control = true;
$who_change_password = "user";
$hash = "clear";
$use_questions = false;
$use_tokens = false;
$use_sms = false;
$use_captcha = false;
$use_ratelimit = false;
$use_pwnedpasswords = false;
$notify_on_change = false;
$show_help = false;
$keyphrase = "bench-keyphrase-not-secret";
`,
  );
  const port = await freePort();
  const child = spawn('php', ['-S', `127.0.0.1:${port}`, '-t', 'htdocs'], { cwd: tree, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PHP_CLI_SERVER_WORKERS: '8' } });
  await waitForLine(child, /started|Development Server/i, 'PHP built-in server');
  return { child, url: `http://127.0.0.1:${port}/` };
}

// ---- figures ----

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const sumOps = (list: LdapOpCounts[]): LdapOpCounts =>
  list.reduce((a, b) => {
    const out = { ...a };
    for (const k of Object.keys(b) as Array<keyof LdapOpCounts>) out[k] += b[k];
    return out;
  });

async function run(p: Product, slapdPidNo: number, count: number, concurrency: number): Promise<void> {
  p.counter.take();
  const pids = p.pids();
  const cpu0 = cpuSum(pids);
  const slapd0 = cpuOf(slapdPidNo);
  const started = performance.now();
  let left = count;
  const latencies: number[] = [];
  const worker = async () => {
    while (left > 0) {
      left--;
      const uid = p.users[p.next++ % p.users.length]!;
      const current = p.passwords.get(uid)!;
      const word = p.name === 'ours' ? 'Kite' : 'Reed';
      const next = SHORT_PASSWORDS ? `Vx${++p.serial}-${word}#${(p.serial * 7919) % 10007}` : `Vx${++p.serial}-Harbor-${word}-${(p.serial * 7919) % 10007}!`;
      const t0 = performance.now();
      await p.change(uid, current, next);
      latencies.push(performance.now() - t0);
      p.passwords.set(uid, next);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  p.cpuMs += cpuSum(pids) - cpu0;
  p.slapdCpuMs += cpuOf(slapdPidNo) - slapd0;
  p.changes += count;
  p.ops.push(p.counter.take());
  if (concurrency === 1) {
    p.seq.push(...latencies);
    p.seqSeconds += seconds;
  } else {
    p.conc.push(...latencies);
    p.concSeconds += seconds;
  }
}

function row(p: Product) {
  const seq = [...p.seq].sort((a, b) => a - b);
  const conc = [...p.conc].sort((a, b) => a - b);
  const ops = sumOps(p.ops);
  const per = (n: number) => n / p.changes;
  return {
    p50: quantile(seq, 0.5),
    p95: quantile(seq, 0.95),
    p99: quantile(seq, 0.99),
    rate1: p.seq.length / p.seqSeconds,
    rate8: p.conc.length / p.concSeconds,
    p99c8: quantile(conc, 0.99),
    cpu: p.cpuMs / p.changes,
    slapd: p.slapdCpuMs / p.changes,
    search: per(ops.search),
    bind: per(ops.bind),
    write: per(ops.modify + ops.extended),
    conns: per(ops.connections),
  };
}

async function main(): Promise<void> {
  const work = mkdtempSync(path.join(tmpdir(), 'sspr-peer-ltb-'));
  const php = spawnSync('php', ['-m'], { encoding: 'utf8' });
  const phpMissing = php.status !== 0 ? 'php is not installed' : !/^ldap$/m.test(php.stdout) ? 'php has no ldap module' : !existsSync(path.join(LTB_DIR, 'htdocs/index.php')) ? `${LTB_DIR} is absent` : null;
  if (phpMissing) console.log(`LTB Self Service Password not run (${phpMissing}; apt-get install php-cli php-ldap php-mbstring smarty3): our side alone.`);

  const slapd = await startSlapd({ memberOf: GROUPS_FROM === 'memberOf' });
  const children: ChildProcess[] = [];
  const counters: LdapCounter[] = [];
  const agents: http.Agent[] = [];
  try {
    const uids = await seedPerfUsers(slapd, USERS);
    const slapdPidNo = slapdPid(slapd);

    const products: Product[] = [];
    const share = Math.floor(USERS / (1 + (phpMissing ? 0 : 1) + (BARE ? 1 : 0)));
    const usersOf = (i: number) => uids.slice(i * share, (i + 1) * share);
    const make = (name: Product['name'], counter: LdapCounter, users: string[], pids: () => number[], change: Product['change']): Product => ({
      name, counter, pids, change, users, passwords: new Map(users.map((u) => [u, initialPassword(u)])), next: 0, serial: 0, seq: [], conc: [], concSeconds: 0, seqSeconds: 0, cpuMs: 0, slapdCpuMs: 0, changes: 0, ops: [],
    });

    const oursCounter = await startLdapCounter({ port: slapd.port });
    counters.push(oursCounter);
    const ours = await startOurs(slapd, oursCounter, path.join(work, 'data'));
    children.push(ours.child);
    const oursAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    agents.push(oursAgent);
    products.push(
      make('ours', oursCounter, usersOf(0), () => [ours.child.pid!], (uid, current, next) => signInAndChange(oursAgent, ours.url, uid, current, next)),
    );

    if (!phpMissing) {
      const ltbCounter = await startLdapCounter({ port: slapd.port });
      counters.push(ltbCounter);
      const ltb = await startLtb(slapd, ltbCounter, work);
      children.push(ltb.child);
      const ltbAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
      agents.push(ltbAgent);
      products.push(
        make('LTB', ltbCounter, usersOf(1), () => processTree(ltb.child.pid!), async (uid, current, next) => {
          const form = new URLSearchParams({ action: 'change', login: uid, oldpassword: current, newpassword: next, confirmpassword: next }).toString();
          const res = await httpRequest(ltbAgent, ltb.url, { method: 'POST', body: form, type: 'application/x-www-form-urlencoded' });
          if (!res.text.includes('Your password was changed')) throw new Error(`LTB: no change (${res.status}): ${/result alert[^>]*>([^<]*<[^<]*)/.exec(res.text)?.[1] ?? res.text.slice(0, 300)}`);
        }),
      );
    }

    if (BARE) {
      const bareCounter = await startLdapCounter({ port: slapd.port });
      counters.push(bareCounter);
      const bare = await startBareServer({ root: ROOT, slapd, ldapUrl: bareCounter.url });
      children.push(bare.child);
      const bareAgent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
      agents.push(bareAgent);
      products.push(make('bare Node', bareCounter, usersOf(products.length), () => [bare.child.pid!], (uid, current, next) => signInAndChange(bareAgent, bare.url, uid, current, next)));
    }

    // Warm-up (JIT, pools, caches, PHP's compiled templates), not counted.
    for (const p of products) {
      await run(p, slapdPidNo, 20, 1);
      await run(p, slapdPidNo, 40, CONCURRENCY);
      Object.assign(p, { seq: [], conc: [], concSeconds: 0, seqSeconds: 0, cpuMs: 0, slapdCpuMs: 0, changes: 0, ops: [] });
    }
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [...products].reverse() : products;
      for (const p of order) await run(p, slapdPidNo, SEQ, 1);
      for (const p of order) await run(p, slapdPidNo, CONC, CONCURRENCY);
      process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
    }

    const f = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
    console.log(`\nSigned-in password change on one slapd (${USERS} users), ${ROUNDS} interleaved rounds of ${SEQ} sequential + ${CONC} at concurrency ${CONCURRENCY} per product`);
    console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores; our groups from ${GROUPS_FROM} (BENCH_GROUPS_FROM); ${SHORT_PASSWORDS ? 'short' : 'long'} new passwords (BENCH_PASSWORDS)\n`);
    console.log('| | p50 ms | p95 ms | p99 ms | changes/s c=1 | changes/s c=8 | p99 ms c=8 | server CPU ms/change | slapd CPU ms/change | LDAP search / bind / write / connections per change |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    const rows = products.map((p) => ({ p, r: row(p) }));
    for (const { p, r } of rows) {
      console.log(`| ${p.name} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} | ${f(r.rate1, 0)} | ${f(r.rate8, 0)} | ${f(r.p99c8)} | ${f(r.cpu, 2)} | ${f(r.slapd, 2)} | ${f(r.search, 2)} / ${f(r.bind, 2)} / ${f(r.write, 2)} / ${f(r.conns, 2)} |`);
    }
    const x = (a: number, b: number) => `${f(a / b, 2)}×`;
    const ratio = (a: Product['name'], b: Product['name']) => {
      const [o, l] = [rows.find((r) => r.p.name === a)?.r, rows.find((r) => r.p.name === b)?.r];
      if (!o || !l) return;
      console.log(`| ${a} ÷ ${b} | ${x(o.p50, l.p50)} | ${x(o.p95, l.p95)} | ${x(o.p99, l.p99)} | ${x(o.rate1, l.rate1)} | ${x(o.rate8, l.rate8)} | ${x(o.p99c8, l.p99c8)} | ${x(o.cpu, l.cpu)} | ${x(o.slapd, l.slapd)} | ${x(o.search + o.bind + o.write, l.search + l.bind + l.write)} (all operations) |`);
    };
    ratio('ours', 'LTB');
    ratio('bare Node', 'LTB');
    ratio('ours', 'bare Node');
    console.log('\nCPU from /proc (1/100 s ticks; all processes and threads of each product). Each product reaches slapd through its own counting proxy in this process.');
    if (BARE) console.log('bare Node (bench/lib/bare-ldap-server.ts): our two requests and LDAP operations on the same Node and ldapts with nothing else (no store, audit, policy, throttles, notices or framework): the platform\'s floor for this API.');
  } finally {
    for (const a of agents) a.destroy();
    // PHP's workers outlive a SIGTERM to their master: end the whole tree.
    for (const c of children) for (const pid of processTree(c.pid!).reverse()) process.kill(pid, 'SIGTERM');
    await Promise.all(counters.map((c) => c.close()));
    await slapd.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
