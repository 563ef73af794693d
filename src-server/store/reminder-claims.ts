import type { Db } from './db.js';

/**
 * R36: the claims behind "one email per user per threshold, once across instances": the
 * first instance to insert the row sends the mail; the others see a conflict and skip it.
 */
export class ReminderClaims {
  constructor(private readonly db: Db) {}

  /** True when this call claimed the reminder and should send it. */
  async claim(subjectId: string, expiresAt: Date, threshold: number, now: Date): Promise<boolean> {
    const r = await this.db
      .insertInto('expiry_reminders')
      .values({ subject_id: subjectId, expires_at: expiresAt.getTime(), threshold, claimed_at: now.getTime() })
      .onConflict((oc) => oc.columns(['subject_id', 'expires_at', 'threshold']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Gives a claim back when its mail could not be sent, so the next run tries again. */
  async release(subjectId: string, expiresAt: Date, threshold: number): Promise<void> {
    await this.db.deleteFrom('expiry_reminders').where('subject_id', '=', subjectId).where('expires_at', '=', expiresAt.getTime()).where('threshold', '=', threshold).execute();
  }

  /** Claims about expiries long past are of no use any more. */
  async prune(before: Date): Promise<void> {
    await this.db.deleteFrom('expiry_reminders').where('expires_at', '<', before.getTime()).execute();
  }
}
