import type { Transaction } from 'kysely';
import type { AuditEntry, AuditLog } from '../audit/audit-log.js';
import type { Db } from '../store/db.js';
import type { StoredResetSession } from '../store/reset-session-store.js';
import type { Database } from '../store/schema.js';

/** A reset's audit event, under the session's name; a decoy's is marked so reports can tell (R13b). */
export function auditReset(auditLog: AuditLog, conn: Db | Transaction<Database>, session: Pick<StoredResetSession, 'username' | 'decoy'>, entry: Omit<AuditEntry, 'user'>): Promise<void> {
  const detail = session.decoy ? { ...entry.detail, decoy: true } : entry.detail;
  return auditLog.write(conn, { ...entry, user: session.username, detail: detail ?? null });
}
