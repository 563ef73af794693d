import type { Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { ReusableQuery, type Db } from './db.js';
import type { Database } from './schema.js';

/**
 * After a reset or change: every refresh token and open reset session of the user is revoked,
 * and access tokens issued before now stop working (their version is bumped).
 * `keepResetSessionId` spares the session that is completing the reset.
 */
export async function revokeUserSessions(conn: Db | Transaction<Database>, clock: Clock, subjectId: string, keepResetSessionId?: string): Promise<void> {
  const now = clock.now().getTime();
  await revokeRefreshTokens.run(conn, { subjectId, now });
  if (keepResetSessionId) await expireResetSessionsBut.run(conn, { subjectId, now, keep: keepResetSessionId });
  else await expireResetSessions.run(conn, { subjectId, now });
  await bumpTokenVersion.run(conn, { subjectId });
}

// Compiled once: every change and reset runs them (issue 12).
const revokeRefreshTokens = new ReusableQuery<{ subjectId: string; now: number }, never>((db, v) =>
  db.updateTable('refresh_tokens').set({ revoked_at: v.now }).where('subject_id', '=', v.subjectId).where('revoked_at', 'is', null),
);
const expireResetSessions = new ReusableQuery<{ subjectId: string; now: number }, never>((db, v) =>
  db.updateTable('reset_sessions').set({ state: 'expired', expires_at: v.now }).where('subject_id', '=', v.subjectId).where('state', 'in', ['verifying', 'ready']),
);
const expireResetSessionsBut = new ReusableQuery<{ subjectId: string; now: number; keep: string }, never>((db, v) =>
  db.updateTable('reset_sessions').set({ state: 'expired', expires_at: v.now }).where('subject_id', '=', v.subjectId).where('state', 'in', ['verifying', 'ready']).where('id', '!=', v.keep),
);
const bumpTokenVersion = new ReusableQuery<{ subjectId: string }, never>((db, v) =>
  db
    .insertInto('token_versions')
    .values({ subject_id: v.subjectId, version: 1 })
    .onConflict((oc) => oc.column('subject_id').doUpdateSet((eb) => ({ version: eb('token_versions.version', '+', 1) }))),
);
