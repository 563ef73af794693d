/**
 * R13b timing with the server in a process of its own (so the prober's requests and the SMTP
 * peer do not share its event loop): identify, the email-code challenge and a wrong code, for a
 * real user and an unknown name, interleaved and paired. Prints medians, the median of the
 * paired differences real − unknown, and the A/A noise (two halves of one kind).
 *
 *   npx tsx bench/reset-timing-process.ts
 *   SERVER_ROOTS=/tmp/other-tree,. npx tsx bench/reset-timing-process.ts   (A/B: interleaved per pair)
 *
 * SERVER_ROOTS: checkouts whose `bench/lib/server-process.ts` to start (default: this one); the
 * walks alternate between them pair by pair, so load from the machine falls on each alike.
 * SERVER_CPU: pin the servers to this CPU with taskset (default: not pinned). N: pairs (600).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startSmtpPeerProcess } from '../test/helpers/smtp-peer-process.js';

const N = Number(process.env.N ?? 600);
const WARM = 40;
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const roots = (process.env.SERVER_ROOTS ?? here).split(',').map((r) => path.resolve(r));
const cpu = process.env.SERVER_CPU;

interface Run {
  identify: number;
  challenge: number;
  verify: number;
}
interface Target {
  root: string;
  url: string;
  child: ChildProcess;
  real: Run[];
  unknown: Run[];
}

const relay = await startSmtpPeerProcess();
const targets: Target[] = [];
for (const [i, root] of roots.entries()) {
  const node = [process.execPath, '--import', 'tsx', path.join(root, 'bench/lib/server-process.ts')];
  const [cmd, ...args] = cpu === undefined ? node : ['taskset', '-c', cpu, ...node];
  const child = spawn(cmd!, args, {
    cwd: root,
    env: { ...process.env, SSPR_SMTP_URL: relay.url, SSPR_LOG_LEVEL: 'silent', BENCH_USERS: String(N + WARM), SSPR_DATA_DIR: `/tmp/tp-${process.pid}-${i}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise<string>((r) => createInterface({ input: child.stdout! }).once('line', r));
  targets.push({ root, url: (JSON.parse(line) as { url: string }).url, child, real: [], unknown: [] });
}

async function api(url: string, method: string, p: string, token?: string, body?: unknown) {
  const res = await fetch(url + p, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

async function walk(url: string, name: string): Promise<Run> {
  let s = performance.now();
  const r = await api(url, 'POST', '/reset/sessions', undefined, { username: name });
  const identify = performance.now() - s;
  if (r.status !== 201) throw new Error(JSON.stringify(r));
  const m = r.body.methods.find((x: any) => x.type === 'email').id;
  s = performance.now();
  const c = await api(url, 'POST', '/reset/session/challenges', r.body.sessionToken, { methodId: m });
  const challenge = performance.now() - s;
  if (c.status !== 201) throw new Error(JSON.stringify(c));
  s = performance.now();
  const v = await api(url, 'POST', `/reset/session/challenges/${c.body.challengeId}/verify`, r.body.sessionToken, { code: '000000' });
  const verify = performance.now() - s;
  if (v.body.code !== 'invalid_code') throw new Error(JSON.stringify(v));
  return { identify, challenge, verify };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

// Which server goes first alternates every pair, which kind goes first every two: each server
// then sees each kind first and last alike (one rhythm for both would bias one server's pairs).
for (let i = 0; i < N + WARM; i++) {
  const order = i % 2 ? targets : [...targets].reverse();
  for (const t of order) {
    const pair = (i >> 1) % 2 ? [['real', `bench${i}`], ['unknown', `ghost-${i}`]] : [['unknown', `ghost-${i}`], ['real', `bench${i}`]];
    for (const [k, n] of pair) {
      const w = await walk(t.url, n!);
      if (i >= WARM) (k === 'real' ? t.real : t.unknown).push(w);
    }
  }
}
for (const t of targets) {
  console.log(`${t.root} (N ${N}${cpu === undefined ? '' : `, server on CPU ${cpu}`})`);
  for (const step of ['identify', 'challenge', 'verify'] as const) {
    const r = median(t.real.map((x) => x[step]));
    const u = median(t.unknown.map((x) => x[step]));
    const d = median(t.real.map((x, i) => x[step] - t.unknown[i]![step]));
    const half = (runs: Run[]) => Math.abs(median(runs.filter((_, i) => i % 2).map((x) => x[step])) - median(runs.filter((_, i) => !(i % 2)).map((x) => x[step])));
    console.log(`  ${step}: real ${r.toFixed(3)} unknown ${u.toFixed(3)} Δ ${(r - u).toFixed(3)} paired ${d.toFixed(3)} A/A ${Math.max(half(t.real), half(t.unknown)).toFixed(3)}`);
  }
}
for (const t of targets) t.child.kill('SIGTERM');
await relay.close();
process.exit(0);
