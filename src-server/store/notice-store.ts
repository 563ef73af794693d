import type { Transaction } from 'kysely';
import type { Db } from './db.js';
import type { Database } from './schema.js';

type NoticeRow = Database['notices'];
type ClaimedNotice = Pick<NoticeRow, 'id' | 'payload' | 'attempts' | 'claimed_by'>;

/**
 * R22: the `notices` table behind the durable outbox. Rows are claimed (claimed_by /
 * claimed_until) before they are sent, so of several instances only one sends each.
 */
export class NoticeStore {
  constructor(private readonly db: Db) {}

  async insert(trx: Transaction<Database>, row: NoticeRow): Promise<void> {
    await trx.insertInto('notices').values(row).execute();
  }

  /** Deletes the rows past their expiry; returns them (unsent ones have `sent_at` null). */
  async dropExpired(now: number): Promise<Array<Pick<NoticeRow, 'id' | 'sent_at'>>> {
    return this.db.deleteFrom('notices').where('expires_at', '<', now).returning(['id', 'sent_at']).execute();
  }

  /** Claims up to `limit` due rows under `token` until `until`; another instance's live claim is left alone. */
  async claimDue(token: string, now: number, until: number, limit: number): Promise<ClaimedNotice[]> {
    const due = await this.db
      .selectFrom('notices')
      .select('id')
      .where('sent_at', 'is', null)
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
      .where('sent_at', 'is', null)
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .execute();
    return this.db.selectFrom('notices').select(['id', 'payload', 'attempts', 'claimed_by']).where('claimed_by', '=', token).execute();
  }

  async markSent(row: ClaimedNotice, at: number): Promise<void> {
    await this.db.updateTable('notices').set({ sent_at: at, claimed_by: null, claimed_until: null }).where('id', '=', row.id).where('claimed_by', '=', row.claimed_by).execute();
  }

  async retryLater(row: ClaimedNotice, nextAttemptAt: number): Promise<void> {
    await this.db
      .updateTable('notices')
      .set({ attempts: row.attempts + 1, next_attempt_at: nextAttemptAt, claimed_by: null, claimed_until: null })
      .where('id', '=', row.id)
      .where('claimed_by', '=', row.claimed_by)
      .execute();
  }
}
