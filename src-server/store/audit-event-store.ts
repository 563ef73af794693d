import type { Transaction } from 'kysely';
import { AUDIT_RESULTS } from '../../shared/api/audit.js';
import { detailReason, localDayNumber } from './audit-expressions.js';
import { ReusableQuery, type Db } from './db.js';
import type { SqlDialect } from './migrations.js';
import { REPORT_CATEGORIES } from './report-query.js';
import type { Database } from './schema.js';

type AuditRow = Omit<Database['audit_events'], 'id'>;

/** Counts of one local day's activity events, as the dashboard sums them. */
interface DayCounts {
  /** reset.started, reset.password and reset.lockout events by result. */
  resets: Array<{ day: number; type: string; result: string; n: number }>;
  verifications: Array<{ day: number; method: string | null; result: string; n: number }>;
  /** Every non-success event by type and `detail.reason`. */
  failures: Array<{ day: number; type: string; reason: string | null; n: number }>;
}

/** R17a/R17b: the `audit_events` table — written with each change, read by the reports, purged by age. */
export class AuditEventStore {
  // Written on every step of every flow: compiled once.
  private readonly insertRow = new ReusableQuery<AuditRow, never>((db, v) =>
    db.insertInto('audit_events').values({ at: v.at, type: v.type, category: v.category, username: v.username, actor: v.actor, method: v.method, result: v.result, client: v.client, detail: v.detail }),
  );

  constructor(private readonly store: { db: Db; dialect: SqlDialect }) {}

  async insert(conn: Db | Transaction<Database>, row: AuditRow): Promise<void> {
    await this.insertRow.run(conn, row);
  }

  /**
   * Deletes events before `cutoff` in batches, so a first purge of millions of rows never holds
   * the write lock for long. Returns how many went. Found by category on the (category, at)
   * index, so no index on `at` alone has to be kept up on every write.
   */
  async purgeBefore(cutoff: Date, batchSize = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const r = await this.store.db
        .deleteFrom('audit_events')
        .where('id', 'in', (eb) => eb.selectFrom('audit_events').select('id').where('category', 'in', REPORT_CATEGORIES).where('at', '<', cutoff.getTime()).limit(batchSize))
        .executeTakeFirst();
      const n = Number(r.numDeletedRows);
      total += n;
      if (n < batchSize) return total;
    }
  }

  /** When the oldest event left happened (the oldest of each category's, read on its index); Infinity when there is none. */
  async oldestAt(): Promise<number> {
    let oldest = Infinity;
    for (const category of REPORT_CATEGORIES) {
      const m = (await this.store.db.selectFrom('audit_events').select((eb) => eb.fn.min('at').as('m')).where('category', '=', category).executeTakeFirst())?.m;
      if (m !== null && m !== undefined) oldest = Math.min(oldest, Number(m));
    }
    return oldest;
  }

  /** Activity events in [from, to) counted per local day (offset `off` ms) in SQL, over the indexes. */
  async dayCounts(from: number, to: number, off: number, dayMs: number): Promise<DayCounts> {
    const inRange = this.store.db.selectFrom('audit_events').where('category', '=', 'activity').where('at', '>=', from).where('at', '<', to);
    const dayExpr = localDayNumber(off, dayMs);
    const resets = await inRange
      .select([dayExpr.as('day'), 'type', 'result', (eb) => eb.fn.countAll<number>().as('n')])
      .where('type', 'in', ['reset.started', 'reset.password', 'reset.lockout'])
      .groupBy([dayExpr, 'type', 'result'])
      .execute();
    const verifications = await inRange
      .select([dayExpr.as('day'), 'method', 'result', (eb) => eb.fn.countAll<number>().as('n')])
      .where('type', '=', 'reset.verify')
      .groupBy([dayExpr, 'method', 'result'])
      .execute();
    // One equality per result (not `IN`/`!=`): the shape that makes even an un-analyzed
    // SQLite pick the (category, result, at) index.
    const reason = detailReason(this.store.dialect);
    const failures: DayCounts['failures'] = [];
    for (const result of AUDIT_RESULTS.filter((r) => r !== 'success')) {
      const rows = await inRange
        .select([dayExpr.as('day'), 'type', reason.as('reason'), (eb) => eb.fn.countAll<number>().as('n')])
        .where('result', '=', result)
        .groupBy([dayExpr, 'type', reason])
        .execute();
      failures.push(...rows);
    }
    return { resets, verifications, failures };
  }
}
