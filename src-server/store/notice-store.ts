import type { Transaction } from 'kysely';
import { ReusableQuery, type Db } from './db.js';
import type { Database } from './schema.js';

type NoticeRow = Database['notices'];
type ClaimedNotice = Pick<NoticeRow, 'id' | 'payload' | 'attempts' | 'claimed_by'>;
/** What marking a claimed notice needs (the claim is checked, so a lapsed one is left alone). */
export type NoticeClaim = Pick<NoticeRow, 'id' | 'attempts' | 'claimed_by'>;

/**
 * R22: the `notices` table behind the durable outbox. Rows are claimed (claimed_by /
 * claimed_until) before they are sent, so of several instances only one sends each.
 */
export class NoticeStore {
  // Every password write queues a notice, claimed at birth and deleted once sent: compiled once.
  private readonly q = {
    insert: new ReusableQuery<NoticeRow, never>((db, v) =>
      db.insertInto('notices').values({
        id: v.id, kind: v.kind, payload: v.payload, created_at: v.created_at, next_attempt_at: v.next_attempt_at, attempts: v.attempts,
        claimed_by: v.claimed_by, claimed_until: v.claimed_until, expires_at: v.expires_at,
      }),
    ),
    claimed: new ReusableQuery<{ token: string }, ClaimedNotice>((db, v) => db.selectFrom('notices').select(['id', 'payload', 'attempts', 'claimed_by']).where('claimed_by', '=', v.token)),
    // Deleted, not kept: the relay has the message (see migration 013).
    sent: new ReusableQuery<{ id: string; claimedBy: string | null }, never>((db, v) =>
      db.deleteFrom('notices').where('id', '=', v.id).where('claimed_by', '=', v.claimedBy),
    ),
  };

  constructor(private readonly db: Db) {}

  async insert(trx: Transaction<Database>, row: NoticeRow): Promise<void> {
    await this.q.insert.run(trx, row);
  }

  /** Deletes the rows past their expiry (never handed over, since a sent one is deleted); returns how many. */
  async dropExpired(now: number): Promise<number> {
    return (await this.db.deleteFrom('notices').where('expires_at', '<', now).returning('id').execute()).length;
  }

  /** Claims up to `limit` due rows under `token` until `until`; another instance's live claim is left alone. */
  async claimDue(token: string, now: number, until: number, limit: number): Promise<ClaimedNotice[]> {
    const due = await this.db
      .selectFrom('notices')
      .select('id')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .execute();
    if (!due.length) return [];
    await this.db
      .updateTable('notices')
      .set({ claimed_by: token, claimed_until: until })
      .where('id', 'in', due.map((r) => r.id))
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .execute();
    return this.q.claimed.rows(this.db, { token });
  }

  /** The relay has them: the rows go, in one transaction (a lapsed claim, now another instance's, is left alone). */
  async dropSent(rows: readonly NoticeClaim[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const row of rows) await this.q.sent.run(trx, { id: row.id, claimedBy: row.claimed_by });
    });
  }

  async retryLater(row: NoticeClaim, nextAttemptAt: number): Promise<void> {
    await this.db
      .updateTable('notices')
      .set({ attempts: row.attempts + 1, next_attempt_at: nextAttemptAt, claimed_by: null, claimed_until: null })
      .where('id', '=', row.id)
      .where('claimed_by', '=', row.claimed_by)
      .execute();
  }
}
