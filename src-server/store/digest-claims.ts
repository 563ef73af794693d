import type { Db } from './db.js';

/**
 * The claims behind "one admin digest per window, once across instances": a row in
 * `settings` under the window's key; the first instance to insert it sends the digest.
 */
export class DigestClaims {
  constructor(private readonly db: Db) {}

  /** True when this call claimed the digest and should send it. */
  async claim(key: string, now: Date): Promise<boolean> {
    const claimed = await this.db
      .insertInto('settings')
      .values({ key, value: JSON.stringify({ claimedAt: now.toISOString() }), updated_at: now.getTime() })
      .onConflict((oc) => oc.column('key').doNothing())
      .executeTakeFirst();
    return Number(claimed.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  /** Drops claims (keys starting with `prefix`) made before `before`. */
  async prune(prefix: string, before: number): Promise<void> {
    await this.db.deleteFrom('settings').where('key', 'like', `${prefix}%`).where('updated_at', '<', before).execute();
  }
}
