import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';

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

export interface AuditRetention {
  /** One purge against the clock's `now`; the timer calls this daily. */
  runOnce(): Promise<number>;
  /** Clears the timers and waits for a purge in flight, so the store can close after it. */
  stop(): Promise<void>;
}

/**
 * The daily purge (R17b: events are kept as long as configured, no row cap). The first run
 * is shortly after start, then every day; timers are unref'd and cleared on close.
 */
export function startAuditRetention(
  deps: { db: Db; clock: Clock; log: FastifyBaseLogger; retentionDays: number },
  timing: { firstRunMs: number; intervalMs: number } = { firstRunMs: 60_000, intervalMs: DAY_MS },
): AuditRetention {
  let running: Promise<number> | null = null;
  const runOnce = () => {
    running ??= purgeAuditEvents(deps.db, retentionCutoff(deps.clock.now(), deps.retentionDays)).finally(() => {
      running = null;
    });
    return running;
  };
  const tick = () => {
    runOnce().then(
      (n) => n > 0 && deps.log.info({ purged: n, retentionDays: deps.retentionDays }, 'audit retention purge'),
      (e: unknown) => deps.log.warn({ err: (e as Error).message }, 'audit retention purge failed'),
    );
  };
  let interval: NodeJS.Timeout | null = null;
  const first = setTimeout(() => {
    tick();
    interval = setInterval(tick, timing.intervalMs);
    interval.unref();
  }, timing.firstRunMs);
  first.unref();
  return {
    runOnce,
    async stop() {
      clearTimeout(first);
      if (interval) clearInterval(interval);
      await running?.catch(() => undefined);
    },
  };
}
