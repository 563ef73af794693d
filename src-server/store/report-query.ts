import { sql, type ExpressionBuilder } from 'kysely';
import { AUDIT_EVENT_TYPES, type AuditEvent, type AuditEventType } from '../../shared/api/audit.js';
import type { Store } from './db.js';
import type { SqlDialect } from './migrations.js';
import type { Database } from './schema.js';

/** Every audit event is in one of these reports (R17b); each report index starts with it. */
export const REPORT_CATEGORIES = ['activity', 'registration', 'admin'] as const;
export type ReportCategory = (typeof REPORT_CATEGORIES)[number];
export type SortOrder = 'asc' | 'desc';

/** One report's filters (R17b): every column can be filtered. */
export interface ReportFilter {
  category: ReportCategory;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  /** The user the event is about, exactly as recorded. */
  user?: string;
  /** Exact (`reset.verify`) or a prefix ending in `.` (`reset.`). */
  type?: string;
  method?: string;
  result?: string;
  /** The whole client string, or its IP part (matches `<ip> app:<id>` too). */
  client?: string;
}

/** Keyset position: the last row seen, in (at, id) order. */
export interface Keyset {
  at: number;
  id: number;
}

export class BadCursorError extends Error {}

const CURSOR_VERSION = 'k1';

/** Opaque to clients: base64url of `k1.<at>.<id>`. */
export function encodeCursor(k: Keyset): string {
  return Buffer.from(`${CURSOR_VERSION}.${k.at}.${k.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): Keyset {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const m = /^k1\.(\d{1,16})\.(\d{1,16})$/.exec(text);
  if (!m) throw new BadCursorError('cursor is not valid');
  return { at: Number(m[1]), id: Number(m[2]) };
}

/**
 * The event types a `type` filter stands for. Types are a closed list, so a prefix becomes an
 * `IN (…)` over known names: exact, index-friendly and collation-proof on both SQL dialects.
 */
export function typesMatching(filter: string): AuditEventType[] {
  const isPrefix = filter.endsWith('.') || filter.endsWith('*');
  const prefix = filter.replace(/\*$/, '');
  return AUDIT_EVENT_TYPES.filter((t) => (isPrefix ? t.startsWith(prefix) : t === filter));
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, '\\$&');
}

type Eb = ExpressionBuilder<Database, 'audit_events'>;

/** The WHERE clause of a filter; `null` when it can match nothing. */
function where(filter: ReportFilter, dialect: SqlDialect) {
  const types = filter.type === undefined ? null : typesMatching(filter.type);
  if (types && types.length === 0) return null;
  return (eb: Eb) => {
    const and = [eb('category', '=', filter.category)];
    if (filter.from) and.push(eb('at', '>=', filter.from.getTime()));
    if (filter.to) and.push(eb('at', '<', filter.to.getTime()));
    if (filter.user !== undefined) and.push(eb('username', '=', filter.user));
    if (types) and.push(types.length === 1 ? eb('type', '=', types[0]!) : eb('type', 'in', types));
    if (filter.method !== undefined) and.push(eb('method', '=', filter.method));
    if (filter.result !== undefined) and.push(eb('result', '=', filter.result));
    if (filter.client !== undefined) {
      const c = filter.client;
      // `<ip> app:<id>` starts with `<ip> `. SQLite compares bytes, so a range finds it on the
      // index; PostgreSQL's collation may ignore punctuation, so it gets an exact LIKE instead.
      const withApp =
        dialect === 'sqlite'
          ? eb.and([eb('client', '>=', `${c} `), eb('client', '<', `${c}!`)])
          : sql<boolean>`client like ${`${escapeLike(c)} %`} escape '\\'`;
      and.push(eb.or([eb('client', '=', c), withApp]));
    }
    return eb.and(and);
  };
}

export type AuditRow = Database['audit_events'] & { id: number };

/** Rows after `after` in the report's order: a row-value comparison both dialects seek on. */
function afterKeyset(eb: Eb, after: Keyset, sort: SortOrder) {
  return eb(eb.refTuple('at', 'id'), sort === 'desc' ? '<' : '>', eb.tuple(after.at, after.id));
}

/** The store a report reads: its connection and SQL dialect. */
export type ReportStore = Pick<Store, 'db' | 'dialect'>;

/**
 * One page of a report, newest first by default. Keyset paging over (at, id): stable while
 * events keep arriving, and as fast on page 1000 as on page 1.
 */
export async function queryEvents(
  store: ReportStore,
  filter: ReportFilter,
  page: { sort: SortOrder; limit: number; after?: Keyset },
): Promise<{ rows: AuditRow[]; next: Keyset | null }> {
  const w = where(filter, store.dialect);
  if (!w) return { rows: [], next: null };
  let q = store.db.selectFrom('audit_events').selectAll().where(w);
  if (page.after) {
    const after = page.after;
    q = q.where((eb) => afterKeyset(eb, after, page.sort));
  }
  const rows = (await q.orderBy('at', page.sort).orderBy('id', page.sort).limit(page.limit + 1).execute()) as AuditRow[];
  const more = rows.length > page.limit;
  if (more) rows.length = page.limit;
  const last = rows[rows.length - 1];
  return { rows, next: more && last ? { at: Number(last.at), id: Number(last.id) } : null };
}

/** Every matching row, in batches, for exports without a row cap. */
export async function* streamEvents(store: ReportStore, filter: ReportFilter, sort: SortOrder, batchSize = 2000, start?: Keyset): AsyncGenerator<AuditRow[]> {
  let after = start;
  for (;;) {
    const { rows, next } = await queryEvents(store, filter, { sort, limit: batchSize, after });
    if (rows.length) yield rows;
    if (!next) return;
    after = next;
  }
}

function parseDetail(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return { raw: text };
  }
}

export function toAuditEvent(row: AuditRow): AuditEvent {
  return {
    id: String(row.id),
    time: new Date(Number(row.at)).toISOString(),
    type: row.type as AuditEventType,
    user: row.username,
    actor: row.actor,
    method: row.method,
    result: row.result as AuditEvent['result'],
    client: row.client,
    detail: parseDetail(row.detail),
  };
}
