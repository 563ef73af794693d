import { sql } from 'kysely';
import type { SqlDialect } from './migrations.js';

/** The reason code a flow put in an audit event's `detail.reason`, read inside the database. */
export function detailReason(dialect: SqlDialect) {
  return dialect === 'sqlite' ? sql<string | null>`json_extract(detail, '$.reason')` : sql<string | null>`(detail::jsonb ->> 'reason')`;
}

/**
 * The local day number of an event's `at` (days since the epoch at offset `offsetMs`).
 * Inlined integers: integer division on both dialects, and the same text in SELECT and GROUP BY.
 */
export function localDayNumber(offsetMs: number, dayMs: number) {
  return sql<number>`(at + ${sql.lit(offsetMs)}) / ${sql.lit(dayMs)}`;
}
