/**
 * `npx tsx bench/seed-events.ts [--events 1000000] [--days 90] [--out file.db]`
 * Fills a fresh SQLite store with realistic audit events (reset flows, sign-ins,
 * registrations, admin actions over a few thousand users and kiosks) for bench/reports.ts.
 */
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { categoryOf } from '../src-server/audit/audit-log.js';
import type { AuditEventType } from '../shared/api/audit.js';
import { openStore } from '../src-server/store/db.js';
import type { Database } from '../src-server/store/schema.js';

export const DEFAULT_BENCH_DB = path.join(tmpdir(), 'sspr-bench-events.db');
const DAY = 86_400_000;

/** Deterministic PRNG so two seeds give the same data. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAMILY = ['佐藤', '鈴木', '高橋', '田中', '伊藤', '渡辺', '山本', '中村', 'smith', 'jones', 'garcia', 'müller'];
export const userName = (i: number) => (i % 7 === 0 ? `${FAMILY[i % FAMILY.length]}${i}` : `user${String(i).padStart(5, '0')}`);
const clientOf = (i: number) => `10.${(i >> 8) & 255}.${i & 255}.${(i * 7) % 250} app:${i % 3 === 0 ? 'kiosk' : 'desk'}-${i}`;
const METHODS = ['email', 'mobilePhone', 'officePhone', 'authenticatorCode', 'authenticatorPush', 'securityQuestions'];
const METHOD_WEIGHTS = [0.3, 0.3, 0.05, 0.2, 0.1, 0.05];

/** Event mix per 1000: most traffic is resets and sign-ins; admin actions are rare. */
const MIX: Array<[AuditEventType, number]> = [
  ['reset.started', 140], ['reset.challenge', 150], ['reset.verify', 200], ['reset.password', 100],
  ['reset.unlock', 40], ['reset.lockout', 5], ['reset.cancelled', 20], ['auth.signin', 250],
  ['password.change', 30], ['registration.add', 25], ['registration.verify', 20], ['registration.remove', 3],
  ['registration.confirm', 7], ['admin.user', 6], ['admin.methods', 3], ['admin.group', 1], ['admin.policy', 0.2], ['admin.signin', 0.8],
];
const FAILURE_REASONS: Record<string, string[]> = {
  'reset.verify': ['invalidCode', 'invalidAnswers', 'expired', 'pushDenied'],
  'reset.password': ['passwordPolicy', 'directoryRefused', 'history'],
  'auth.signin': ['invalidCredentials', 'directoryLocked', 'disabled'],
  'password.change': ['productPolicy', 'currentPassword'],
  'registration.verify': ['invalidCode'],
};

function pick<T>(r: () => number, items: T[], weights?: number[]): T {
  if (!weights) return items[Math.floor(r() * items.length)]!;
  let x = r() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < items.length; i++) if ((x -= weights[i]!) < 0) return items[i]!;
  return items[items.length - 1]!;
}

export function* generateEvents(count: number, opts: { users: number; clients: number; endAt: number; days: number; seed: number }) {
  const r = rng(opts.seed);
  const types = MIX.map(([t]) => t);
  const weights = MIX.map(([, w]) => w);
  const start = opts.endAt - opts.days * DAY;
  const step = (opts.days * DAY) / count;
  for (let i = 0; i < count; i++) {
    const type = pick(r, types, weights);
    const category = categoryOf(type);
    const hasMethod = type === 'reset.challenge' || type === 'reset.verify' || type.startsWith('registration.') || type === 'admin.methods';
    const failRate = type === 'reset.verify' ? 0.15 : type === 'auth.signin' ? 0.1 : type === 'reset.password' ? 0.08 : 0.03;
    const failed = r() < failRate && FAILURE_REASONS[type] !== undefined;
    const result = type === 'reset.lockout' ? 'locked' : failed ? 'failure' : 'success';
    let detail: string | null = null;
    if (type === 'reset.lockout') detail = JSON.stringify({ reason: pick(r, ['R11a', 'R11b', 'R11c']) });
    else if (failed) detail = JSON.stringify({ reason: pick(r, FAILURE_REASONS[type]!) });
    else if (type === 'admin.policy') detail = JSON.stringify({ before: { methodsRequired: 1 }, after: { methodsRequired: 2 } });
    yield {
      at: Math.floor(start + i * step + r() * step),
      type,
      category,
      username: category === 'admin' && type === 'admin.policy' ? null : userName(Math.floor(r() * r() * opts.users)),
      actor: category === 'admin' ? pick(r, ['bootstrap', 'it-admin', 'helpdesk1']) : null,
      method: hasMethod ? pick(r, METHODS, METHOD_WEIGHTS) : null,
      result,
      client: category === 'admin' ? '10.0.0.1' : clientOf(Math.floor(r() * opts.clients)),
      detail,
    } satisfies Omit<Database['audit_events'], 'id'>;
  }
}

export async function seedEvents(options: { file: string; events: number; days: number; endAt?: number; batch?: number }): Promise<{ seconds: number }> {
  for (const f of [options.file, `${options.file}-wal`, `${options.file}-shm`]) if (existsSync(f)) rmSync(f);
  const store = await openStore(`sqlite:${options.file}`);
  const started = performance.now();
  const batch = options.batch ?? 1000;
  const rows = generateEvents(options.events, { users: 5000, clients: 400, endAt: options.endAt ?? Date.now(), days: options.days, seed: 42 });
  // Multi-row INSERTs of `batch` rows, 50 of them per transaction: one commit per 50k rows.
  const write = (take: Array<Omit<Database['audit_events'], 'id'>>) =>
    store.db.transaction().execute(async (trx) => {
      for (let i = 0; i < take.length; i += batch) await trx.insertInto('audit_events').values(take.slice(i, i + batch)).execute();
    });
  let pending: Array<Omit<Database['audit_events'], 'id'>> = [];
  for (const row of rows) {
    pending.push(row);
    if (pending.length === batch * 50) {
      await write(pending);
      pending = [];
    }
  }
  if (pending.length) await write(pending);
  const seconds = (performance.now() - started) / 1000;
  await store.close();
  return { seconds };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { events: { type: 'string', default: '1000000' }, days: { type: 'string', default: '90' }, out: { type: 'string', default: DEFAULT_BENCH_DB } } });
  const events = Number(values.events);
  const { seconds } = await seedEvents({ file: values.out!, events, days: Number(values.days) });
  console.log(`seeded ${events.toLocaleString('en')} audit events over ${values.days} days into ${values.out} in ${seconds.toFixed(1)} s (${Math.round(events / seconds).toLocaleString('en')} rows/s)`);
}
