import type { Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { hashToken, newId, newToken } from '../security/tokens.js';
import { ReusableQuery, type Db } from '../store/db.js';
import type { Database } from '../store/schema.js';

export const REFRESH_LIFETIME_MS = 30 * 86_400_000;

type Conn = Db | Transaction<Database>;

type RefreshRow = Database['refresh_tokens'];
// Compiled once: every sign-in runs it (issue 12).
const insertRefresh = new ReusableQuery<RefreshRow, never>((db, v) =>
  db.insertInto('refresh_tokens').values({ id: v.id, subject_id: v.subject_id, token_hash: v.token_hash, family: v.family, client: v.client, created_at: v.created_at, expires_at: v.expires_at, revoked_at: v.revoked_at }),
);

export type RotateResult =
  | { ok: true; subjectId: string; family: string; token: string; expiresAt: Date }
  /** `reused`: a token already rotated away was shown again — its whole family is now revoked. */
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused'; subjectId?: string };

/**
 * Opaque refresh tokens (`rt_…`), stored only as their hash. Every refresh rotates the token
 * within its family (one sign-in = one family); showing a rotated token again means it was
 * copied, so the family dies and the thief and the victim both have to sign in again.
 */
export class RefreshTokens {
  constructor(private readonly db: Db, private readonly clock: Clock) {}

  async issue(conn: Conn, subjectId: string, client: string | null, family: string = newId()): Promise<{ token: string; expiresAt: Date; family: string }> {
    const token = newToken('rt');
    const now = this.clock.now().getTime();
    const expiresAt = now + REFRESH_LIFETIME_MS;
    await insertRefresh.run(conn, { id: newId(), subject_id: subjectId, token_hash: hashToken(token), family, client, created_at: now, expires_at: expiresAt, revoked_at: null });
    return { token, expiresAt: new Date(expiresAt), family };
  }

  private async revokeFamilyById(conn: Conn, family: string): Promise<void> {
    await conn.updateTable('refresh_tokens').set({ revoked_at: this.clock.now().getTime() }).where('family', '=', family).where('revoked_at', 'is', null).execute();
  }

  async rotate(token: string, client: string | null): Promise<RotateResult> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', hashToken(token)).executeTakeFirst();
      if (!row) return { ok: false, reason: 'unknown' };
      const now = this.clock.now().getTime();
      if (row.revoked_at !== null) {
        // Revoked by rotation (a replay) or by sign-out/reset; either way nothing of the family may live on.
        const rotated = await trx.selectFrom('refresh_tokens').select('id').where('family', '=', row.family).where('created_at', '>=', Number(row.created_at)).where('id', '!=', row.id).executeTakeFirst();
        await this.revokeFamilyById(trx, row.family);
        return { ok: false, reason: rotated ? 'reused' : 'revoked', subjectId: row.subject_id };
      }
      if (Number(row.expires_at) <= now) return { ok: false, reason: 'expired', subjectId: row.subject_id };
      // Conditional update: of two parallel refreshes with one token only one wins; the other is a replay.
      const claimed = await trx.updateTable('refresh_tokens').set({ revoked_at: now }).where('id', '=', row.id).where('revoked_at', 'is', null).executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) {
        await this.revokeFamilyById(trx, row.family);
        return { ok: false, reason: 'reused', subjectId: row.subject_id };
      }
      const next = await this.issue(trx, row.subject_id, client ?? row.client, row.family);
      return { ok: true, subjectId: row.subject_id, ...next };
    });
  }

  /** Sign-out: the family of `token`, when it belongs to `subjectId`. */
  async revokeFamilyOf(token: string, subjectId: string): Promise<boolean> {
    const row = await this.db.selectFrom('refresh_tokens').select(['family', 'subject_id']).where('token_hash', '=', hashToken(token)).executeTakeFirst();
    if (!row || row.subject_id !== subjectId) return false;
    await this.revokeFamilyById(this.db, row.family);
    return true;
  }

  async revokeFamily(conn: Conn, family: string): Promise<void> {
    await this.revokeFamilyById(conn, family);
  }

  /** R28: every sign-in of the user but `keepFamily` ends (their access tokens with them). */
  async revokeOtherFamilies(conn: Conn, subjectId: string, keepFamily: string | null): Promise<void> {
    let q = conn.updateTable('refresh_tokens').set({ revoked_at: this.clock.now().getTime() }).where('subject_id', '=', subjectId).where('revoked_at', 'is', null);
    if (keepFamily) q = q.where('family', '!=', keepFamily);
    await q.execute();
  }
}
