import type { Transaction } from 'kysely';
import type { AuditEventType, AUDIT_RESULTS } from '../../shared/api/audit.js';
import type { Clock } from '../clock.js';
import { ReusableQuery, type Db } from '../store/db.js';
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

/** Which report an event type belongs to (R17b). */
export function categoryOf(type: AuditEventType): 'activity' | 'registration' | 'admin' {
  if (type.startsWith('registration.')) return 'registration';
  if (type.startsWith('admin.')) return 'admin';
  return 'activity';
}

/**
 * R17a: audit events. `write` takes the transaction of the change it records, so an event
 * exists exactly when its change does.
 */
type AuditRow = Omit<Database['audit_events'], 'id'>;

export class AuditLog {
  // Written on every step of every flow: compiled once.
  private readonly insert = new ReusableQuery<AuditRow, never>((db, v) =>
    db.insertInto('audit_events').values({ at: v.at, type: v.type, category: v.category, username: v.username, actor: v.actor, method: v.method, result: v.result, client: v.client, detail: v.detail }),
  );

  constructor(private readonly clock: Clock) {}

  async write(db: Db | Transaction<Database>, entry: AuditEntry): Promise<void> {
    await this.insert.run(db, {
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
