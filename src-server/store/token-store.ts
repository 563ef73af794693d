import type { Transaction } from 'kysely';
import { ReusableQuery, type Db } from './db.js';
import type { Database } from './schema.js';

type Conn = Db | Transaction<Database>;
type RefreshRow = Database['refresh_tokens'];

/**
 * The rows behind sign-ins: refresh tokens (one family per sign-in, only hashes kept) and
 * each subject's token version, which access tokens carry and a reset or change bumps.
 */
export class TokenStore {
  // Compiled once: every sign-in inserts, every signed-in request reads both (issue 12).
  private readonly q = {
    insertRefresh: new ReusableQuery<RefreshRow, never>((db, v) =>
      db.insertInto('refresh_tokens').values({ id: v.id, subject_id: v.subject_id, token_hash: v.token_hash, family: v.family, client: v.client, created_at: v.created_at, expires_at: v.expires_at, revoked_at: v.revoked_at }),
    ),
    tokenVersion: new ReusableQuery<{ subjectId: string }, { version: number }>((db, v) => db.selectFrom('token_versions').select('version').where('subject_id', '=', v.subjectId)),
    // A signed-in request's one read: the subject's token version and whether its sign-in lives.
    session: new ReusableQuery<{ subjectId: string; family: string; now: number }, { version: number | null; alive: number | boolean }>((db, v) =>
      db.selectNoFrom((eb) => [
        eb.selectFrom('token_versions').select('version').where('subject_id', '=', v.subjectId).as('version'),
        eb.exists(eb.selectFrom('refresh_tokens').select('id').where('family', '=', v.family).where('revoked_at', 'is', null).where('expires_at', '>', v.now)).as('alive'),
      ]),
    ),
  };

  constructor(private readonly db: Db) {}

  async insertRefresh(conn: Conn, row: RefreshRow): Promise<void> {
    await this.q.insertRefresh.run(conn, row);
  }

  async refreshByHash(trx: Transaction<Database>, tokenHash: string): Promise<RefreshRow | undefined> {
    return trx.selectFrom('refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  /** True when the family holds a token issued at or after `row` (so `row` was rotated away). */
  async rotatedAfter(trx: Transaction<Database>, row: Pick<RefreshRow, 'id' | 'family' | 'created_at'>): Promise<boolean> {
    const rotated = await trx.selectFrom('refresh_tokens').select('id').where('family', '=', row.family).where('created_at', '>=', Number(row.created_at)).where('id', '!=', row.id).executeTakeFirst();
    return rotated !== undefined;
  }

  /** Conditional: of two parallel refreshes with one token only one claims it. */
  async claimRefresh(trx: Transaction<Database>, id: string, now: number): Promise<boolean> {
    const claimed = await trx.updateTable('refresh_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(claimed.numUpdatedRows) === 1;
  }

  async familyOf(tokenHash: string): Promise<Pick<RefreshRow, 'family' | 'subject_id'> | undefined> {
    return this.db.selectFrom('refresh_tokens').select(['family', 'subject_id']).where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  async revokeFamily(conn: Conn, family: string, now: number): Promise<void> {
    await conn.updateTable('refresh_tokens').set({ revoked_at: now }).where('family', '=', family).where('revoked_at', 'is', null).execute();
  }

  async revokeOtherFamilies(conn: Conn, subjectId: string, keepFamily: string | null, now: number): Promise<void> {
    let q = conn.updateTable('refresh_tokens').set({ revoked_at: now }).where('subject_id', '=', subjectId).where('revoked_at', 'is', null);
    if (keepFamily) q = q.where('family', '!=', keepFamily);
    await q.execute();
  }

  async tokenVersion(subjectId: string, conn: Conn = this.db): Promise<number> {
    const row = await this.q.tokenVersion.first(conn, { subjectId });
    return row ? Number(row.version) : 0;
  }

  /** The subject's token version and whether the sign-in `family` still lives, in one statement (every signed-in request asks both). */
  async session(subjectId: string, family: string, now: number): Promise<{ version: number; alive: boolean }> {
    const row = await this.q.session.first(this.db, { subjectId, family, now });
    return { version: Number(row?.version ?? 0), alive: Boolean(row?.alive) };
  }
}
