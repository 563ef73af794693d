import type { ReportSummary } from '../../shared/api/audit.js';
import { nextTurn } from '../event-loop.js';
import type { AuditEventStore } from '../store/audit-event-store.js';

const DAY_MS = 86_400_000;

interface SummaryRange {
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

/** One local day's dashboard figures; days that are over never change, so they are kept. */
interface DayFigures {
  started: number;
  succeeded: number;
  lockouts: number;
  /** method → verifications, succeeded */
  methods: Map<string, { verifications: number; succeeded: number }>;
  /** `type\0reason` → count */
  failures: Map<string, number>;
}

const emptyDay = (): DayFigures => ({ started: 0, succeeded: 0, lockouts: 0, methods: new Map(), failures: new Map() });

/** Per local day figures of activity events in [from, to), counted by the store in SQL. */
async function dayFigures(auditEvents: Pick<AuditEventStore, 'dayCounts'>, from: number, to: number, off: number): Promise<Map<number, DayFigures>> {
  const out = new Map<number, DayFigures>();
  const day = (n: number) => out.get(n) ?? (out.set(n, emptyDay()), out.get(n)!);
  const counts = await auditEvents.dayCounts(from, to, off, DAY_MS);
  for (const r of counts.resets) {
    const d = day(Number(r.day));
    const n = Number(r.n);
    if (r.type === 'reset.started') d.started += n;
    else if (r.type === 'reset.password' && r.result === 'success') d.succeeded += n;
    else if (r.type === 'reset.lockout') d.lockouts += n;
  }
  for (const r of counts.verifications) {
    if (r.method === null) continue;
    const methods = day(Number(r.day)).methods;
    const m = methods.get(r.method) ?? { verifications: 0, succeeded: 0 };
    m.verifications += Number(r.n);
    if (r.result === 'success') m.succeeded += Number(r.n);
    methods.set(r.method, m);
  }
  for (const r of counts.failures) {
    const failures = day(Number(r.day)).failures;
    const key = `${r.type}\u0000${r.reason ?? 'unspecified'}`;
    failures.set(key, (failures.get(key) ?? 0) + Number(r.n));
  }
  return out;
}

/** A day is "over" once it ended this long ago: writes from instances with slightly skewed clocks have landed. */
const SETTLE_MS = 10 * 60_000;
const MAX_CACHED_DAYS = 5000;

/**
 * The dashboard summary. Whole days that are over are cached per time-zone offset (the audit
 * log only grows at `now`); the partial first day and everything since the last cached day
 * are read fresh, so a new event shows at once. Days the retention purge may have touched
 * (older than the oldest event left) are never served from the cache.
 */
export class ActivitySummary {
  private readonly cache = new Map<string, DayFigures>();

  constructor(private readonly auditEvents: Pick<AuditEventStore, 'dayCounts' | 'oldestAt'>, private readonly clock: { now(): Date }) {}

  async summary(range: SummaryRange): Promise<Omit<ReportSummary, 'registration'>> {
    const from = range.from.getTime();
    const to = range.to.getTime();
    const off = range.tzOffsetMinutes * 60_000;
    const dayStart = (n: number) => n * DAY_MS - off;
    const oldestAt = await this.auditEvents.oldestAt();
    const settled = this.clock.now().getTime() - SETTLE_MS;
    const cacheable = (n: number) => dayStart(n) >= from && dayStart(n + 1) <= Math.min(to, settled) && dayStart(n) >= oldestAt;

    const firstDay = Math.floor((from + off) / DAY_MS);
    const lastDay = Math.floor((Math.max(from, to - 1) + off) / DAY_MS);
    const figures = new Map<number, DayFigures>();
    // One read per day not in the cache, each after a turn of the event loop: SQLite runs on
    // the server's only thread, so a first look at 90 days is many short reads that other
    // requests slip between.
    for (let n = firstDay; n <= lastDay; n++) {
      const hit = cacheable(n) ? this.cache.get(`${off}:${n}`) : undefined;
      if (hit) {
        figures.set(n, hit);
        continue;
      }
      // better-sqlite3 answers synchronously: without a real turn of the event loop the reads
      // would still run back to back.
      await nextTurn();
      const f = (await dayFigures(this.auditEvents, Math.max(from, dayStart(n)), Math.min(to, dayStart(n + 1)), off)).get(n) ?? emptyDay();
      figures.set(n, f);
      if (cacheable(n)) this.remember(`${off}:${n}`, f);
    }
    return combine(range, firstDay, lastDay, figures);
  }

  private remember(key: string, f: DayFigures): void {
    if (this.cache.size >= MAX_CACHED_DAYS) this.cache.clear();
    this.cache.set(key, f);
  }
}

function combine(range: SummaryRange, firstDay: number, lastDay: number, figures: Map<number, DayFigures>): Omit<ReportSummary, 'registration'> {
  const resetsPerDay: ReportSummary['resetsPerDay'] = [];
  const methods = new Map<string, { method: string; verifications: number; succeeded: number }>();
  const failures = new Map<string, number>();
  for (let n = firstDay; n <= lastDay && resetsPerDay.length < 3660; n++) {
    const f = figures.get(n) ?? emptyDay();
    resetsPerDay.push({ day: dayLabel(n), started: f.started, succeeded: f.succeeded, lockouts: f.lockouts });
    for (const [method, m] of f.methods) {
      const acc = methods.get(method) ?? { method, verifications: 0, succeeded: 0 };
      acc.verifications += m.verifications;
      acc.succeeded += m.succeeded;
      methods.set(method, acc);
    }
    for (const [key, count] of f.failures) failures.set(key, (failures.get(key) ?? 0) + count);
  }
  const started = resetsPerDay.reduce((a, d) => a + d.started, 0);
  const succeeded = resetsPerDay.reduce((a, d) => a + d.succeeded, 0);
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    resetsPerDay,
    resets: { started, succeeded, successRate: started === 0 ? null : Math.min(1, succeeded / started) },
    methods: [...methods.values()].sort((a, b) => b.verifications - a.verifications || a.method.localeCompare(b.method)),
    lockouts: resetsPerDay.reduce((a, d) => a + d.lockouts, 0),
    topFailureReasons: [...failures.entries()]
      .map(([key, count]) => {
        const [type, reason] = key.split('\u0000') as [string, string];
        return { type, reason, count };
      })
      .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type) || a.reason.localeCompare(b.reason))
      .slice(0, 10),
  };
}
