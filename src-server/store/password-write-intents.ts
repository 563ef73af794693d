import type { Transaction } from 'kysely';
import { ReusableQuery, type Db } from './db.js';
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
  // Every signed-in change records and drops one: compiled once.
  private readonly q = {
    record: new ReusableQuery<Database['password_write_intents'], never>((db, v) =>
      db.insertInto('password_write_intents').values({ id: v.id, user_id: v.user_id, detail: v.detail, created_at: v.created_at, settle_after: v.settle_after }),
    ),
    drop: new ReusableQuery<{ id: string }, never>((db, v) => db.deleteFrom('password_write_intents').where('id', '=', v.id)),
  };

  constructor(private readonly db: Db) {}

  async record(intent: PasswordWriteIntent): Promise<void> {
    await this.q.record.run(this.db, { id: intent.id, user_id: intent.userId, detail: intent.sealed, created_at: intent.createdAt, settle_after: intent.settleAfter });
  }

  /** Intents no request is settling any more, oldest first. */
  async due(now: number, limit: number): Promise<PasswordWriteIntent[]> {
    const rows = await this.db.selectFrom('password_write_intents').selectAll().where('settle_after', '<=', now).orderBy('created_at').limit(limit).execute();
    return rows.map(fromRow);
  }

  /** Closes an intent; false when another instance (or request) closed it first. */
  async drop(conn: Db | Transaction<Database>, id: string): Promise<boolean> {
    return (await this.q.drop.affected(conn, { id })) === 1;
  }
}
