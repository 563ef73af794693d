import type { AuditEvent } from '../../shared/api/audit.js';

/** Excel detects UTF-8 (Japanese names) only with a byte-order mark. */
const CSV_BOM = '\uFEFF';
const EOL = '\r\n';

const CSV_COLUMNS = ['time', 'type', 'user', 'actor', 'method', 'result', 'client', 'detail'] as const;

/**
 * One RFC 4180 cell. A cell a spreadsheet would read as a formula (= + - @, or a leading tab /
 * carriage return) gets a `'` in front, so an exported user name cannot run anything. The
 * check is on the NFKC form: spreadsheets also read full-width ＝ ＋ － ＠ (and ﹦ …) as formulas.
 */
function csvCell(value: string | null | undefined): string {
  if (value === null || value === undefined) return '';
  const safe = /^[=+\-@\t\r]/.test(value.normalize('NFKC')) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvLine(cells: Array<string | null | undefined>): string {
  return cells.map(csvCell).join(',') + EOL;
}

export function csvHeader(): string {
  return CSV_BOM + csvLine([...CSV_COLUMNS]);
}

export function eventCsvLine(e: AuditEvent): string {
  return csvLine([e.time, e.type, e.user, e.actor, e.method, e.result, e.client, e.detail ? JSON.stringify(e.detail) : null]);
}

/** A download name with the report and the day it was made: `activity-2026-01-05.csv`. */
export function csvFileName(report: string, now: Date): string {
  return `${report}-${now.toISOString().slice(0, 10)}.csv`;
}
