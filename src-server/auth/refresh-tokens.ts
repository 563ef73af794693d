import type { Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { hashToken, newId, newToken } from '../security/tokens.js';
import type { Db } from '../store/db.js';
import type { Database } from '../store/schema.js';
import type { TokenStore } from '../store/token-store.js';

export const REFRESH_LIFETIME_MS = 30 * 86_400_000;

type Conn = Db | Transaction<Database>;

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
  constructor(private readonly db: Db, private readonly clock: Clock, private readonly tokenStore: Omit<TokenStore, 'tokenVersion' | 'session'>) {}

  async issue(conn: Conn, subjectId: string, client: string | null, family: string = newId()): Promise<{ token: string; expiresAt: Date; family: string }> {
    const token = newToken('rt');
    const now = this.clock.now().getTime();
    const expiresAt = now + REFRESH_LIFETIME_MS;
    await this.tokenStore.insertRefresh(conn, { id: newId(), subject_id: subjectId, token_hash: hashToken(token), family, client, created_at: now, expires_at: expiresAt, revoked_at: null });
    return { token, expiresAt: new Date(expiresAt), family };
  }

  private async revokeFamilyById(conn: Conn, family: string): Promise<void> {
    await this.tokenStore.revokeFamily(conn, family, this.clock.now().getTime());
  }

  async rotate(token: string, client: string | null): Promise<RotateResult> {
    return this.db.transaction().execute(async (trx) => {
      const row = await this.tokenStore.refreshByHash(trx, hashToken(token));
      if (!row) return { ok: false, reason: 'unknown' };
      const now = this.clock.now().getTime();
      if (row.revoked_at !== null) {
        // Revoked by rotation (a replay) or by sign-out/reset; either way nothing of the family may live on.
        const rotated = await this.tokenStore.rotatedAfter(trx, row);
        await this.revokeFamilyById(trx, row.family);
        return { ok: false, reason: rotated ? 'reused' : 'revoked', subjectId: row.subject_id };
      }
      if (Number(row.expires_at) <= now) return { ok: false, reason: 'expired', subjectId: row.subject_id };
      // Conditional update: of two parallel refreshes with one token only one wins; the other is a replay.
      if (!(await this.tokenStore.claimRefresh(trx, row.id, now))) {
        await this.revokeFamilyById(trx, row.family);
        return { ok: false, reason: 'reused', subjectId: row.subject_id };
      }
      const next = await this.issue(trx, row.subject_id, client ?? row.client, row.family);
      return { ok: true, subjectId: row.subject_id, ...next };
    });
  }

  /** Sign-out: the family of `token`, when it belongs to `subjectId`. */
  async revokeFamilyOf(token: string, subjectId: string): Promise<boolean> {
    const row = await this.tokenStore.familyOf(hashToken(token));
    if (!row || row.subject_id !== subjectId) return false;
    await this.revokeFamilyById(this.db, row.family);
    return true;
  }

  async revokeFamily(conn: Conn, family: string): Promise<void> {
    await this.revokeFamilyById(conn, family);
  }

  /** R28: every sign-in of the user but `keepFamily` ends (their access tokens with them). */
  async revokeOtherFamilies(conn: Conn, subjectId: string, keepFamily: string | null): Promise<void> {
    await this.tokenStore.revokeOtherFamilies(conn, subjectId, keepFamily, this.clock.now().getTime());
  }
}
