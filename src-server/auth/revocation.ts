import type { Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import type { Database } from '../store/schema.js';

/**
 * After a reset or change: every refresh token and open reset session of the user is revoked,
 * and access tokens issued before now stop working (their version is bumped).
 * `keepResetSessionId` spares the session that is completing the reset.
 */
export async function revokeUserSessions(conn: Db | Transaction<Database>, clock: Clock, subjectId: string, keepResetSessionId?: string): Promise<void> {
  const now = clock.now().getTime();
  await conn.updateTable('refresh_tokens').set({ revoked_at: now }).where('subject_id', '=', subjectId).where('revoked_at', 'is', null).execute();
  let sessions = conn.updateTable('reset_sessions').set({ state: 'expired', expires_at: now }).where('subject_id', '=', subjectId).where('state', 'in', ['verifying', 'ready']);
  if (keepResetSessionId) sessions = sessions.where('id', '!=', keepResetSessionId);
  await sessions.execute();
  await conn
    .insertInto('token_versions')
    .values({ subject_id: subjectId, version: 1 })
    .onConflict((oc) => oc.column('subject_id').doUpdateSet((eb) => ({ version: eb('token_versions.version', '+', 1) })))
    .execute();
}
