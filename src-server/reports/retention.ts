import type { Log } from '../log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import { startPeriodic, type PeriodicJob } from './periodic.js';

const DAY_MS = 86_400_000;

/** Events older than this are purged: `now` minus the configured retention. Pure. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

/**
 * Deletes events before `cutoff` in batches, so a first purge of millions of rows never holds
 * the write lock for long. Returns how many went.
 */
export async function purgeAuditEvents(db: Db, cutoff: Date, batchSize = 5000): Promise<number> {
  let total = 0;
  for (;;) {
    const r = await db
      .deleteFrom('audit_events')
      .where('id', 'in', (eb) => eb.selectFrom('audit_events').select('id').where('at', '<', cutoff.getTime()).limit(batchSize))
      .executeTakeFirst();
    const n = Number(r.numDeletedRows);
    total += n;
    if (n < batchSize) return total;
  }
}

export type AuditRetention = PeriodicJob<number>;

/**
 * The daily purge (R17b: events are kept as long as configured, no row cap). The first run
 * is shortly after start, then every day.
 */
export function startAuditRetention(
  deps: { db: Db; clock: Clock; log: Log; retentionDays: number },
  timing: { firstRunMs: number; intervalMs: number } = { firstRunMs: 60_000, intervalMs: DAY_MS },
): AuditRetention {
  return startPeriodic(
    () => purgeAuditEvents(deps.db, retentionCutoff(deps.clock.now(), deps.retentionDays)),
    timing,
    deps.log,
    'audit retention purge',
    (n) => n > 0 && deps.log.info({ purged: n, retentionDays: deps.retentionDays }, 'audit retention purge'),
  );
}
