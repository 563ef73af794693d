import type { SetUserMethodsRequest } from '../../shared/api/admin.js';
import { EmailAddress, PhoneNumber, Username } from '../../shared/api/common.js';
import { usernameKey } from '../directory/builtin-directory.js';
import type { DirectoryUser } from '../directory/directory.js';
import type { AdminContext, AdminUsers } from '../flows/admin-users.js';
import { ProblemError } from '../errors.js';
import type { Db } from '../store/db.js';
import { CsvSyntaxError, parseCsv } from './csv-read.js';

/** `username,email,mobilePhone,officePhone`: contact methods set on users' behalf (R4). */
const IMPORT_COLUMNS = ['username', 'email', 'mobilePhone', 'officePhone'] as const;
type ContactColumn = Exclude<(typeof IMPORT_COLUMNS)[number], 'username'>;
/** A cell holding only this removes the method; an empty cell leaves it as it is. */
export const REMOVE_MARK = '-';

interface ImportRow {
  line: number;
  username: string;
  methods: SetUserMethodsRequest;
}

interface RowError {
  line: number;
  message: string;
}

function checkCell(column: ContactColumn, value: string): string | null {
  if (column === 'email') return EmailAddress.safeParse(value).success ? null : `email "${value}" is not an email address`;
  return PhoneNumber.safeParse(value).success ? null : `${column} "${value}" is not E.164 (e.g. +81 9012345678)`;
}

/**
 * Pure: reads and checks the file (header, cell formats, duplicates). Rows with an error are
 * left out of `rows`; a broken header or CSV syntax makes every row an error.
 */
export function readContactCsv(text: string): { rows: ImportRow[]; errors: RowError[] } {
  let records;
  try {
    records = parseCsv(text);
  } catch (e) {
    if (e instanceof CsvSyntaxError) return { rows: [], errors: [{ line: e.line, message: e.message }] };
    throw e;
  }
  const [header, ...body] = records;
  if (!header) return { rows: [], errors: [{ line: 1, message: `the file is empty; expected the header ${IMPORT_COLUMNS.join(',')}` }] };
  const columns = header.cells.map((c) => c.trim());
  const unknown = columns.filter((c) => !(IMPORT_COLUMNS as readonly string[]).includes(c));
  if (unknown.length || !columns.includes('username') || new Set(columns).size !== columns.length || columns.length < 2) {
    return { rows: [], errors: [{ line: header.line, message: `the header must be username plus any of email,mobilePhone,officePhone (got "${columns.join(',')}")` }] };
  }
  const rows: ImportRow[] = [];
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  for (const rec of body) {
    const fail = (message: string) => errors.push({ line: rec.line, message });
    if (rec.cells.length !== columns.length) {
      fail(`expected ${columns.length} cells, found ${rec.cells.length}`);
      continue;
    }
    const cell = (name: string) => rec.cells[columns.indexOf(name)]!.trim();
    const name = Username.safeParse(cell('username'));
    if (!name.success) {
      fail(cell('username') === '' ? 'username is empty' : `username "${cell('username')}" is not valid: ${name.error.issues[0]?.message}`);
      continue;
    }
    const key = usernameKey(name.data);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      fail(`user "${name.data}" is already on line ${earlier}`);
      continue;
    }
    seen.set(key, rec.line);
    const methods: SetUserMethodsRequest = {};
    const problems: string[] = [];
    for (const column of columns.filter((c): c is ContactColumn => c !== 'username')) {
      const value = cell(column);
      if (value === '') continue;
      if (value === REMOVE_MARK) {
        methods[column] = null;
        continue;
      }
      const problem = checkCell(column, value);
      if (problem) problems.push(problem);
      else methods[column] = value;
    }
    if (problems.length) problems.forEach(fail);
    else if (Object.keys(methods).length === 0) fail(`nothing to set for "${name.data}"`);
    else rows.push({ line: rec.line, username: name.data, methods });
  }
  return { rows, errors };
}

/** Marks a rollback the import asked for (dry run), not a failure. */
class DryRunRollback extends Error {}

/**
 * Applies the rows through the same write as `PUT /admin/users/{u}/methods` (AdminUsers),
 * all in one transaction; a row the flow refuses is rolled back to its savepoint and
 * reported. A dry run does everything and then rolls back, so it reports exactly what a
 * real run would.
 */
export async function applyContactRows(
  db: Db,
  users: AdminUsers,
  rows: ImportRow[],
  ctx: AdminContext,
  options: { dryRun: boolean },
): Promise<{ applied: number; errors: RowError[] }> {
  const errors: RowError[] = [];
  const found: Array<{ row: ImportRow; user: DirectoryUser }> = [];
  for (const row of rows) {
    try {
      found.push({ row, user: await users.find(row.username) });
    } catch (e) {
      if (!(e instanceof ProblemError)) throw e;
      errors.push({ line: row.line, message: e.code === 'not_found' ? `no user "${row.username}"` : e.message });
    }
  }
  let applied = 0;
  const trx = await db.startTransaction().execute();
  try {
    for (const { row, user } of found) {
      const sp = await trx.savepoint('import_row').execute();
      try {
        await users.writeMethods(sp, user, row.methods, ctx);
        await sp.releaseSavepoint('import_row').execute();
        applied++;
      } catch (e) {
        if (!(e instanceof ProblemError)) throw e;
        await sp.rollbackToSavepoint('import_row').execute();
        errors.push({ line: row.line, message: e.message });
      }
    }
    if (options.dryRun) throw new DryRunRollback();
    await trx.commit().execute();
  } catch (e) {
    await trx.rollback().execute();
    if (!(e instanceof DryRunRollback)) throw e;
  }
  return { applied, errors: errors.sort((a, b) => a.line - b.line) };
}
