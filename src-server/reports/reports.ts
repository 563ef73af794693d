import { AUDIT_EVENT_TYPES, type ReportPage, type ReportQuery } from '../../shared/api/audit.js';
import { csvHeader, eventCsvLine } from './csv.js';
import { BadCursorError, decodeCursor, queryEvents, streamEvents, toAuditEvent, encodeCursor, typesMatching, type ReportCategory, type ReportFilter, type ReportStore } from '../store/report-query.js';

/** Which report a route or CLI command reads. */
export const REPORT_CATEGORY = { activity: 'activity', registration: 'registration', audit: 'admin' } as const satisfies Record<string, ReportCategory>;
export type ReportName = keyof typeof REPORT_CATEGORY;

export function filterOf(category: ReportCategory, q: Pick<ReportQuery, 'from' | 'to' | 'user' | 'type' | 'method' | 'result' | 'client'>): ReportFilter {
  return {
    category,
    from: q.from ? new Date(q.from) : undefined,
    to: q.to ? new Date(q.to) : undefined,
    user: q.user,
    type: q.type,
    method: q.method,
    result: q.result,
    client: q.client,
  };
}

/** What is wrong with a report query beyond its schema (unknown type, reversed range, foreign cursor), or null. */
export function reportQueryProblem(q: Pick<ReportQuery, 'type' | 'from' | 'to' | 'cursor'>): { field: string; message: string } | null {
  if (q.type !== undefined && typesMatching(q.type).length === 0) {
    return { field: 'type', message: `no event type is "${q.type}" or starts with it; known types: ${AUDIT_EVENT_TYPES.join(', ')}` };
  }
  if (q.from && q.to && Date.parse(q.from) > Date.parse(q.to)) return { field: 'from', message: 'must not be after to' };
  if (q.cursor) {
    try {
      decodeCursor(q.cursor);
    } catch (e) {
      if (e instanceof BadCursorError) return { field: 'cursor', message: 'not a cursor this server returned' };
      throw e;
    }
  }
  return null;
}

/** One JSON page (throws BadCursorError for a cursor this server did not make). */
export async function reportPage(store: ReportStore, category: ReportCategory, q: ReportQuery): Promise<ReportPage> {
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  const { rows, next } = await queryEvents(store, filterOf(category, q), { sort: q.sort, limit: q.limit, after });
  return { events: rows.map(toAuditEvent), nextCursor: next ? encodeCursor(next) : null };
}

/**
 * The whole report as CSV text chunks: BOM and header first, then one chunk per batch.
 * No row cap (R17b); a cursor, when given, starts after it.
 */
export async function* reportCsv(store: ReportStore, category: ReportCategory, q: Pick<ReportQuery, 'from' | 'to' | 'user' | 'type' | 'method' | 'result' | 'client' | 'sort' | 'cursor'>): AsyncGenerator<string> {
  yield csvHeader();
  const after = q.cursor ? decodeCursor(q.cursor) : undefined;
  for await (const rows of streamEvents(store, filterOf(category, q), q.sort, 2000, after)) {
    let chunk = '';
    for (const row of rows) chunk += eventCsvLine(toAuditEvent(row));
    yield chunk;
  }
}
