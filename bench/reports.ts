/**
 * `npx tsx bench/reports.ts [--db file.db] [--seed 1000000] [--runs 40]`
 * Report query latency (p50/p95 per filter shape) over a seeded audit store, and the CSV
 * export rate through the real HTTP server. Seeds first when the store does not exist
 * (or with --seed N). Target: p95 < 200 ms on 1 M events.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ReportQuery } from '../shared/api/audit.js';
import { loadConfig } from '../src-server/config.js';
import type { BuiltinDirectory } from '../src-server/directory/builtin-directory.js';
import { CoverageTracker, registrationCoverage } from '../src-server/reports/coverage.js';
import { reportPage } from '../src-server/reports/reports.js';
import { ActivitySummary } from '../src-server/reports/summary.js';
import { createServer } from '../src-server/server.js';
import { AuditEventStore } from '../src-server/store/audit-event-store.js';
import { CoverageFingerprint } from '../src-server/store/coverage-fingerprint.js';
import { openStore } from '../src-server/store/db.js';
import { DEFAULT_BENCH_DB, seedEvents, userName } from './seed-events.js';

const { values } = parseArgs({ options: { db: { type: 'string', default: DEFAULT_BENCH_DB }, seed: { type: 'string' }, runs: { type: 'string', default: '40' } } });
const file = values.db!;
const runs = Number(values.runs);
const DAY = 86_400_000;

if (values.seed || !existsSync(file)) {
  const events = Number(values.seed ?? 1_000_000);
  const { seconds } = await seedEvents({ file, events, days: 90 });
  console.log(`seeded ${events.toLocaleString('en')} events in ${seconds.toFixed(1)} s`);
}

const store = await openStore(`sqlite:${file}`);
const total = Number((await store.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
const newest = Number((await store.db.selectFrom('audit_events').select((eb) => eb.fn.max('at').as('m')).executeTakeFirstOrThrow()).m);
const iso = (ms: number) => new Date(ms).toISOString();
console.log(`store: ${file}, ${total.toLocaleString('en')} events`);

/** SQLite runs on the server's one thread: the longest time `work` keeps other requests waiting. */
async function longestPause(work: () => Promise<unknown>): Promise<number> {
  let lastTick = performance.now();
  let longest = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - lastTick);
    lastTick = now;
  }, 1);
  await work();
  longest = Math.max(longest, performance.now() - lastTick);
  clearInterval(probe);
  return longest;
}

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
}

async function measure(label: string, fn: () => Promise<number>): Promise<{ label: string; p95: number }> {
  await fn(); // warm the page cache and the statement cache
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    rows = await fn();
    times.push(performance.now() - t0);
  }
  const p95 = pct(times, 95);
  console.log(`${label.padEnd(58)} p50 ${pct(times, 50).toFixed(1).padStart(7)} ms   p95 ${p95.toFixed(1).padStart(7)} ms   rows ${rows}`);
  return { label, p95 };
}

const page = (category: 'activity' | 'registration' | 'admin', q: Record<string, string>) => async () =>
  (await reportPage(store, category, ReportQuery.parse(q))).events.length;

/** Page `n` of a report, reached by following cursors (the cost of the last hop is measured). */
async function cursorAt(q: Record<string, string>, n: number): Promise<string> {
  let cursor = '';
  for (let i = 0; i < n; i++) cursor = (await reportPage(store, 'activity', ReportQuery.parse({ ...q, ...(cursor ? { cursor } : {}) }))).nextCursor!;
  return cursor;
}

const someUser = userName(21); // a Japanese name, with a typical number of events
const week = { from: iso(newest - 7 * DAY), to: iso(newest + 1) };
const deep = await cursorAt({ limit: '100' }, 200);
const deepFiltered = await cursorAt({ limit: '100', result: 'failure' }, 50);

const clockAtNewest = { now: () => new Date(newest) };
const last = (days: number, tzOffsetMinutes: number) => ({ from: new Date(newest - days * DAY), to: new Date(newest + 1), tzOffsetMinutes });
const warm = new ActivitySummary(new AuditEventStore(store), clockAtNewest);

console.log(`\nreport queries (limit 100 unless noted), ${runs} runs each:`);
const results = [
  await measure('activity, no filter, newest first', page('activity', {})),
  await measure('activity, no filter, oldest first', page('activity', { sort: 'asc' })),
  await measure('activity, page 201 by cursor', page('activity', { cursor: deep })),
  await measure(`activity, user=${someUser}`, page('activity', { user: someUser })),
  await measure('activity, user with no events', page('activity', { user: 'nobody-at-all' })),
  await measure('activity, type=reset.lockout (rare)', page('activity', { type: 'reset.lockout' })),
  await measure('activity, type prefix reset.', page('activity', { type: 'reset.' })),
  await measure('activity, method=officePhone, result=failure', page('activity', { method: 'officePhone', result: 'failure' })),
  await measure('activity, result=failure, page 51 by cursor', page('activity', { result: 'failure', cursor: deepFiltered })),
  await measure('activity, last 7 days, result=locked', page('activity', { ...week, result: 'locked' })),
  await measure('activity, client IP (one kiosk)', page('activity', { client: '10.0.7.49' })),
  await measure('activity, from/to one day, limit 1000', page('activity', { from: iso(newest - 30 * DAY), to: iso(newest - 29 * DAY), limit: '1000' })),
  await measure('registration, no filter', page('registration', {})),
  await measure('admin audit, type=admin.policy', page('admin', { type: 'admin.policy' })),
];
console.log('\ndashboard summary (first view reads every day; finished days are then cached):');
const summaries = [
  await measure('summary 30 days, first view (nothing cached)', async () => (await new ActivitySummary(new AuditEventStore(store), clockAtNewest).summary(last(30, 540))).resetsPerDay.length),
  await measure('summary 90 days, first view (nothing cached)', async () => (await new ActivitySummary(new AuditEventStore(store), clockAtNewest).summary(last(90, 0))).resetsPerDay.length),
  await measure('summary 30 days, closed days cached', async () => (await warm.summary(last(30, 540))).resetsPerDay.length),
  await measure('summary 90 days, closed days cached', async () => (await warm.summary(last(90, 0))).resetsPerDay.length),
];
console.log(`longest pause for other requests during a cold 90-day summary: ${(await longestPause(() => new ActivitySummary(new AuditEventStore(store), clockAtNewest).summary(last(90, 0)))).toFixed(0)} ms`);
await store.close();

// CSV through the real server: authentication, streaming, the socket.
const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-bench-'));
const token = 'bench-admin-token-0123456789abcdef';
const server = await createServer(loadConfig({ env: { SSPR_DATA_DIR: dataDir, SSPR_DATABASE_URL: `sqlite:${file}`, SSPR_ADMIN_TOKEN: token, SSPR_LOG_LEVEL: 'silent' } }));
const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
console.log('\nCSV export over HTTP:');
for (const [label, query] of [
  ['activity, last 30 days', `from=${iso(newest - 30 * DAY)}`],
  ['activity, everything', ''],
] as const) {
  const t0 = performance.now();
  const res = await fetch(`${address}/api/v1/admin/reports/activity?format=csv&${query}`, { headers: { authorization: `Bearer ${token}` } });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) lines++;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(`${label.padEnd(28)} ${(lines - 1).toLocaleString('en').padStart(9)} rows  ${(bytes / 1e6).toFixed(0).padStart(4)} MB  ${s.toFixed(1).padStart(5)} s  ${Math.round((lines - 1) / s).toLocaleString('en').padStart(8)} rows/s`);
}

// Registration coverage (the dashboard's other figure) over a directory of USERS users, half
// of them with a phone set on their behalf: every user is read with the reset flow's rules.
await server.close();
const users = Number(process.env.BENCH_USERS ?? '5000');
const directoryServer = await createServer(loadConfig({ env: { SSPR_DATA_DIR: dataDir, SSPR_LOG_LEVEL: 'silent' } }), { hashParams: { N: 1024, r: 8, p: 1 } });
const s = directoryServer.services;
const dir = s.directory as BuiltinDirectory;
for (let i = 0; i < users; i += 500) {
  await s.db.transaction().execute(async (trx) => {
    for (let j = i; j < Math.min(users, i + 500); j++) {
      const u = await dir.createUser({ username: userName(j), password: 'Bench-Passw0rd!', displayName: `User ${j}`, groups: j % 10 === 0 ? ['pilot'] : [] }, trx);
      if (j % 2 === 0) await s.methods.insert(trx, { subjectId: u.id, type: 'mobilePhone', source: 'admin', verified: true, hint: '+81 ••• •••• ••00', data: { number: '+81 9000000000' } });
    }
  });
}
const coverageDeps = { ...s, methodStore: s.methods, policyStore: s.policy };
const coverageTimes: number[] = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const c = await registrationCoverage(coverageDeps);
  coverageTimes.push(performance.now() - t0);
  if (i === 0) console.log(`\nregistration coverage over ${users.toLocaleString('en')} users: ${c!.registered} of ${c!.inScope} registered`);
}
console.log(`coverage computation: p50 ${pct(coverageTimes, 50).toFixed(0)} ms, max ${Math.max(...coverageTimes).toFixed(0)} ms`);
console.log(`longest pause for other requests during a coverage computation: ${(await longestPause(() => registrationCoverage(coverageDeps))).toFixed(0)} ms`);
const tracker = new CoverageTracker({ ...coverageDeps, coverageFingerprint: new CoverageFingerprint(coverageDeps.db) });
await tracker.current();
const unchanged: number[] = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  await tracker.current();
  unchanged.push(performance.now() - t0);
}
console.log(`coverage on the dashboard when nothing changed (fingerprint check): p95 ${pct(unchanged, 95).toFixed(1)} ms`);
await directoryServer.close();
rmSync(dataDir, { recursive: true, force: true });

const worst = results.reduce((a, b) => (b.p95 > a.p95 ? b : a));
console.log(`\nfiltered report queries: worst p95 ${worst.p95.toFixed(1)} ms (${worst.label}); target < 200 ms: ${worst.p95 < 200 ? 'met' : 'NOT met'}`);
const firstView = summaries.filter((x) => x.label.includes('first view')).reduce((a, b) => (b.p95 > a.p95 ? b : a));
const cached = summaries.filter((x) => x.label.includes('closed days cached')).reduce((a, b) => (b.p95 > a.p95 ? b : a));
console.log(`dashboard summary: first view worst p95 ${firstView.p95.toFixed(1)} ms, then ${cached.p95.toFixed(1)} ms with finished days cached`);
