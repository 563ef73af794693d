import type { Transaction } from 'kysely';
import type { AuditEventType, AUDIT_RESULTS } from '../../shared/api/audit.js';
import type { Clock } from '../clock.js';
import type { AuditEventStore } from '../store/audit-event-store.js';
import type { Db } from '../store/db.js';
import type { ReportCategory } from '../store/report-query.js';
import type { Database } from '../store/schema.js';

export interface AuditEntry {
  type: AuditEventType;
  user: string | null;
  actor?: string | null;
  method?: string | null;
  result: (typeof AUDIT_RESULTS)[number];
  client?: string | null;
  /** Reason codes, before/after; never secrets. */
  detail?: Record<string, unknown> | null;
}

/** Which report an event type belongs to (R17b): one of REPORT_CATEGORIES, which the retention purge walks. */
export function categoryOf(type: AuditEventType): ReportCategory {
  if (type.startsWith('registration.')) return 'registration';
  if (type.startsWith('admin.')) return 'admin';
  return 'activity';
}

/**
 * R17a: audit events. `write` takes the transaction of the change it records, so an event
 * exists exactly when its change does.
 */
export class AuditLog {
  constructor(private readonly clock: Clock, private readonly auditEvents: Pick<AuditEventStore, 'insert'>) {}

  async write(db: Db | Transaction<Database>, entry: AuditEntry): Promise<void> {
    await this.auditEvents.insert(db, {
      at: this.clock.now().getTime(),
      type: entry.type,
      category: categoryOf(entry.type),
      username: entry.user,
      actor: entry.actor ?? null,
      method: entry.method ?? null,
      result: entry.result,
      client: entry.client ?? null,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
    });
  }
}
