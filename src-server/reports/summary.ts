import { sql } from 'kysely';
import { AUDIT_RESULTS, type ReportSummary } from '../../shared/api/audit.js';
import type { SqlDialect } from '../store/migrations.js';
import type { Db } from '../store/db.js';

const DAY_MS = 86_400_000;

export interface SummaryRange {
  from: Date;
  to: Date;
  /** Day boundaries in this offset from UTC. */
  tzOffsetMinutes: number;
}

/** The default dashboard window: the 30 days up to `now`. */
export function defaultSummaryRange(now: Date, input: { from?: string; to?: string; tzOffsetMinutes: number }): SummaryRange {
  const to = input.to ? new Date(input.to) : now;
  const from = input.from ? new Date(input.from) : new Date(to.getTime() - 30 * DAY_MS);
  return { from, to, tzOffsetMinutes: input.tzOffsetMinutes };
}

/** `YYYY-MM-DD` of the local day number `n` (days since the epoch in the given offset). */
function dayLabel(n: number): string {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

/** Every local day the range touches, first to last. Pure. */
export function daysOf(range: SummaryRange): string[] {
  const off = range.tzOffsetMinutes * 60_000;
  const first = Math.floor((range.from.getTime() + off) / DAY_MS);
  const last = Math.floor((Math.max(range.from.getTime(), range.to.getTime() - 1) + off) / DAY_MS);
  const days: string[] = [];
  for (let n = first; n <= last && days.length < 3660; n++) days.push(dayLabel(n));
  return days;
}

/** The reason code a flow put in `detail.reason`, read inside the database. */
function reasonExpr(dialect: SqlDialect) {
  return dialect === 'sqlite' ? sql<string | null>`json_extract(detail, '$.reason')` : sql<string | null>`(detail::jsonb ->> 'reason')`;
}

/** Aggregates over the audit log for the dashboard, all computed in SQL over the indexes. */
export async function eventSummary(db: Db, dialect: SqlDialect, range: SummaryRange): Promise<Omit<ReportSummary, 'registration'>> {
  const from = range.from.getTime();
  const to = range.to.getTime();
  const off = range.tzOffsetMinutes * 60_000;
  const inRange = db.selectFrom('audit_events').where('category', '=', 'activity').where('at', '>=', from).where('at', '<', to);
  // Inlined integers: integer division on both dialects, and the same text in SELECT and GROUP BY.
  const dayExpr = sql<number>`(at + ${sql.lit(off)}) / ${sql.lit(DAY_MS)}`;

  const perDay = await inRange
    .select([dayExpr.as('day'), 'type', 'result', (eb) => eb.fn.countAll<number>().as('n')])
    .where('type', 'in', ['reset.started', 'reset.password', 'reset.lockout'])
    .groupBy([dayExpr, 'type', 'result'])
    .execute();
  const days = new Map(daysOf(range).map((d) => [d, { day: d, started: 0, succeeded: 0, lockouts: 0 }]));
  for (const r of perDay) {
    const entry = days.get(dayLabel(Number(r.day)));
    if (!entry) continue;
    const n = Number(r.n);
    if (r.type === 'reset.started') entry.started += n;
    else if (r.type === 'reset.password' && r.result === 'success') entry.succeeded += n;
    else if (r.type === 'reset.lockout') entry.lockouts += n;
  }
  const resetsPerDay = [...days.values()];
  const started = resetsPerDay.reduce((a, d) => a + d.started, 0);
  const succeeded = resetsPerDay.reduce((a, d) => a + d.succeeded, 0);
  const lockouts = resetsPerDay.reduce((a, d) => a + d.lockouts, 0);

  const byMethod = await inRange
    .select(['method', 'result', (eb) => eb.fn.countAll<number>().as('n')])
    .where('type', '=', 'reset.verify')
    .groupBy(['method', 'result'])
    .execute();
  const methods = new Map<string, { method: string; verifications: number; succeeded: number }>();
  for (const r of byMethod) {
    if (r.method === null) continue;
    const m = methods.get(r.method!) ?? { method: r.method!, verifications: 0, succeeded: 0 };
    m.verifications += Number(r.n);
    if (r.result === 'success') m.succeeded += Number(r.n);
    methods.set(m.method, m);
  }

  // One equality per result (not `IN`/`!=`): the shape that makes even an un-analyzed
  // SQLite pick the (category, result, at) index.
  const reason = reasonExpr(dialect);
  const failures = new Map<string, { type: string; reason: string; count: number }>();
  for (const result of AUDIT_RESULTS.filter((r) => r !== 'success')) {
    const rows = await inRange
      .select(['type', reason.as('reason'), (eb) => eb.fn.countAll<number>().as('n')])
      .where('result', '=', result)
      .groupBy(['type', reason])
      .execute();
    for (const r of rows) {
      const key = `${r.type}\u0000${r.reason ?? ''}`;
      const f = failures.get(key) ?? { type: r.type, reason: r.reason ?? 'unspecified', count: 0 };
      f.count += Number(r.n);
      failures.set(key, f);
    }
  }

  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    resetsPerDay,
    resets: { started, succeeded, successRate: started === 0 ? null : Math.min(1, succeeded / started) },
    methods: [...methods.values()].sort((a, b) => b.verifications - a.verifications),
    lockouts,
    topFailureReasons: [...failures.values()].sort((a, b) => b.count - a.count).slice(0, 10),
  };
}
