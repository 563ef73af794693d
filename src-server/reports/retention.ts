import type { Log } from '../log.js';
import type { Clock } from '../clock.js';
import type { AuditEventStore } from '../store/audit-event-store.js';
import { startPeriodic, type PeriodicJob } from './periodic.js';

const DAY_MS = 86_400_000;

/** Events older than this are purged: `now` minus the configured retention. Pure. */
export function retentionCutoff(now: Date, retentionDays: number): Date {
  return new Date(now.getTime() - retentionDays * DAY_MS);
}

export type AuditRetention = PeriodicJob<number>;

/**
 * The daily purge (R17b: events are kept as long as configured, no row cap). The first run
 * is shortly after start, then every day.
 */
export function startAuditRetention(
  deps: { auditEvents: Pick<AuditEventStore, 'purgeBefore'>; clock: Clock; log: Log; retentionDays: number },
  timing: { firstRunMs: number; intervalMs: number } = { firstRunMs: 60_000, intervalMs: DAY_MS },
): AuditRetention {
  return startPeriodic(
    () => deps.auditEvents.purgeBefore(retentionCutoff(deps.clock.now(), deps.retentionDays)),
    timing,
    deps.log,
    'audit retention purge',
    (n) => n > 0 && deps.log.info({ purged: n, retentionDays: deps.retentionDays }, 'audit retention purge'),
  );
}
