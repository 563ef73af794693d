import { ReusableQuery, type Db } from './db.js';
import type { WindowCounts } from '../throttle/rate-limit-rules.js';

/**
 * The counters behind the rate limits and the ledger of spent proofs-of-work, in the shared
 * store so that every instance counts the same requests and a proof works once in total.
 */
export class RateLimitStore {
  private readonly q = {
    hit: new ReusableQuery<{ key: string; window: number }, { hits: number }>((db, v) =>
      db
        .insertInto('rate_limit_windows')
        .values({ limit_key: v.key, window_start: v.window, hits: 1 })
        .onConflict((oc) => oc.columns(['limit_key', 'window_start']).doUpdateSet((eb) => ({ hits: eb('rate_limit_windows.hits', '+', 1) })))
        .returning('hits'),
    ),
    previous: new ReusableQuery<{ key: string; window: number }, { hits: number }>((db, v) =>
      db.selectFrom('rate_limit_windows').select('hits').where('limit_key', '=', v.key).where('window_start', '=', v.window),
    ),
    spend: new ReusableQuery<{ id: string; expiresAt: number }, never>((db, v) =>
      db.insertInto('spent_proofs').values({ proof_id: v.id, expires_at: v.expiresAt }).onConflict((oc) => oc.column('proof_id').doNothing()),
    ),
  };

  constructor(private readonly db: Db) {}

  /** Counts one request under each key and returns every key's two windows, in one transaction. */
  async hit(keys: string[], window: number, windowMs: number): Promise<WindowCounts[]> {
    return this.db.transaction().execute(async (trx) => {
      const out: WindowCounts[] = [];
      for (const key of keys) {
        const current = Number((await this.q.hit.first(trx, { key, window }))?.hits ?? 1);
        const previous = Number((await this.q.previous.first(trx, { key, window: window - windowMs }))?.hits ?? 0);
        out.push({ current, previous });
      }
      return out;
    });
  }

  /** Records a proof as used; false when it was used before (a replay). */
  async spendProof(id: string, expiresAt: number): Promise<boolean> {
    return (await this.q.spend.affected(this.db, { id, expiresAt })) === 1;
  }

  /** Drops windows no decision reads any more and proofs past their expiry. */
  async purge(now: number, windowMs: number): Promise<number> {
    const windows = await this.db.deleteFrom('rate_limit_windows').where('window_start', '<', now - 2 * windowMs).executeTakeFirst();
    const proofs = await this.db.deleteFrom('spent_proofs').where('expires_at', '<', now).executeTakeFirst();
    return Number(windows.numDeletedRows) + Number(proofs.numDeletedRows);
  }
}
