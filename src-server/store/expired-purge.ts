import type { Log } from '../log.js';
import type { Clock } from '../clock.js';
import { startPeriodic, type PeriodicJob } from '../reports/periodic.js';
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Db } from './db.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const CLAIM_PREFIX = 'purge:';
const BATCH = 5000;

/**
 * Rows kept this long past their expiry: an app coming back to an expired session still hears
 * "expired" rather than "unknown", and a replayed refresh token still revokes its family.
 */
export const EXPIRED_GRACE_MS = DAY_MS;

export interface PurgeCounts {
  resetSessions: number;
  challenges: number;
  approvals: number;
  refreshTokens: number;
  accessPasses: number;
  apiTokens: number;
}

/** The claim that lets one instance purge per hour: the hour's key. Pure. */
export function purgeClaimKey(now: Date): string {
  return `${CLAIM_PREFIX}${now.toISOString().slice(0, 13)}`;
}

/** Tables whose rows go on their own once expired (no dependants to take along). */
type SelfContainedTable = 'challenges' | 'approvals' | 'access_passes' | 'api_tokens';

/** Deletes up to BATCH rows of `table` that `expired` selects; returns how many went. */
async function deleteExpiredBatch(db: Db, table: SelfContainedTable, expired: RawBuilder<SqlBool>): Promise<number> {
  const r = await db
    .deleteFrom(table)
    .where('id', 'in', (eb) => eb.selectFrom(table).select('id').where(expired).limit(BATCH))
    .executeTakeFirstOrThrow();
  return Number(r.numDeletedRows);
}

/** Runs `remove` (one batch) until a batch comes back short; returns how many went. */
async function inBatches(remove: () => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await remove();
    total += n;
    if (n < BATCH) return total;
  }
}

/**
 * Deletes sessions, challenges, approvals, refresh-token families, Temporary Access Passes and
 * API tokens that expired (an API token also: was revoked) more than EXPIRED_GRACE_MS before
 * `now` (issue 11: these tables grew forever); a session's step-up and administrator sign-in
 * rows go with it, a sign-in's step-up proof with its family. A refresh token goes only with
 * its whole family, so the rotation's replay detection keeps working. What was issued and
 * revoked stays in the audit log.
 */
export async function purgeExpiredRows(db: Db, now: Date): Promise<PurgeCounts> {
  const cutoff = now.getTime() - EXPIRED_GRACE_MS;
  const affected = (r: { numDeletedRows: bigint }) => Number(r.numDeletedRows);
  const expiredBefore = sql<SqlBool>`expires_at < ${cutoff}`;
  const challenges = await inBatches(() => deleteExpiredBatch(db, 'challenges', expiredBefore));
  const approvals = await inBatches(() => deleteExpiredBatch(db, 'approvals', expiredBefore));
  const resetSessions = await inBatches(async () => {
    const ids = (await db.selectFrom('reset_sessions').select('id').where('expires_at', '<', cutoff).limit(BATCH).execute()).map((r) => r.id);
    if (!ids.length) return 0;
    return db.transaction().execute(async (trx) => {
      await trx.deleteFrom('admin_sign_in_sessions').where('session_id', 'in', ids).execute();
      await trx.deleteFrom('step_up_sessions').where('session_id', 'in', ids).execute();
      await trx.deleteFrom('challenges').where('session_id', 'in', ids).execute();
      return affected(await trx.deleteFrom('reset_sessions').where('id', 'in', ids).executeTakeFirstOrThrow());
    });
  });
  const refreshTokens = await inBatches(async () => {
    const families = (
      await db.selectFrom('refresh_tokens').select('family').groupBy('family').having((eb) => eb.fn.max('expires_at'), '<', cutoff).limit(BATCH).execute()
    ).map((r) => r.family);
    if (!families.length) return 0;
    await db.transaction().execute(async (trx) => {
      await trx.deleteFrom('step_ups').where('sign_in_id', 'in', families).execute();
      await trx.deleteFrom('refresh_tokens').where('family', 'in', families).execute();
    });
    return families.length;
  });
  const accessPasses = await inBatches(() => deleteExpiredBatch(db, 'access_passes', expiredBefore));
  const apiTokens = await inBatches(() =>
    deleteExpiredBatch(db, 'api_tokens', sql<SqlBool>`expires_at < ${cutoff} or revoked_at < ${cutoff}`),
  );
  return { resetSessions, challenges, approvals, refreshTokens, accessPasses, apiTokens };
}

/**
 * Purges once per hour across all instances: the hour's claim is a row in `settings` (as the
 * admin digest's), so of several servers on one store only the first to claim it purges.
 * Returns null when another instance had claimed this hour.
 */
export async function purgeIfClaimed(db: Db, now: Date): Promise<PurgeCounts | null> {
  const claimed = await db
    .insertInto('settings')
    .values({ key: purgeClaimKey(now), value: JSON.stringify({ claimedAt: now.toISOString() }), updated_at: now.getTime() })
    .onConflict((oc) => oc.column('key').doNothing())
    .executeTakeFirst();
  if (Number(claimed.numInsertedOrUpdatedRows ?? 0) !== 1) return null;
  await db.deleteFrom('settings').where('key', 'like', `${CLAIM_PREFIX}%`).where('updated_at', '<', now.getTime() - 2 * DAY_MS).execute();
  return purgeExpiredRows(db, now);
}

export type ExpiredPurge = PeriodicJob<PurgeCounts | null>;

export function startExpiredPurge(
  deps: { db: Db; clock: Clock; log: Log },
  timing: { firstRunMs: number; intervalMs: number } = { firstRunMs: 90_000, intervalMs: HOUR_MS },
): ExpiredPurge {
  return startPeriodic(
    () => purgeIfClaimed(deps.db, deps.clock.now()),
    timing,
    deps.log,
    'expired rows purge',
    (counts) => counts && Object.values(counts).some((n) => n > 0) && deps.log.info({ ...counts }, 'expired rows purged'),
  );
}
