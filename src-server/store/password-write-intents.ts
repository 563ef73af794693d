import type { Transaction } from 'kysely';
import type { Db } from './db.js';
import type { Database } from './schema.js';

/** A signed-in change or an administrator's reset on an external directory, before it is known to have landed. */
export interface PasswordWriteIntent {
  id: string;
  userId: string;
  /** The sealed completion. */
  sealed: string;
  createdAt: number;
  /** Until then the request that recorded it settles it; after, reconciliation may. */
  settleAfter: number;
}

const fromRow = (r: Database['password_write_intents']): PasswordWriteIntent => ({
  id: r.id,
  userId: r.user_id,
  sealed: r.detail,
  createdAt: Number(r.created_at),
  settleAfter: Number(r.settle_after),
});

/** The store side of the password-write intents (issue 10 for /me/password and administrator resets). */
export class PasswordWriteIntents {
  constructor(private readonly db: Db) {}

  async record(intent: PasswordWriteIntent): Promise<void> {
    await this.db
      .insertInto('password_write_intents')
      .values({ id: intent.id, user_id: intent.userId, detail: intent.sealed, created_at: intent.createdAt, settle_after: intent.settleAfter })
      .execute();
  }

  /** Intents no request is settling any more, oldest first. */
  async due(now: number, limit: number): Promise<PasswordWriteIntent[]> {
    const rows = await this.db.selectFrom('password_write_intents').selectAll().where('settle_after', '<=', now).orderBy('created_at').limit(limit).execute();
    return rows.map(fromRow);
  }

  /** Closes an intent; false when another instance (or request) closed it first. */
  async drop(conn: Db | Transaction<Database>, id: string): Promise<boolean> {
    const r = await conn.deleteFrom('password_write_intents').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }
}
