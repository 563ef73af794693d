import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { ReportQuery, type AuditEvent } from '../../shared/api/audit.js';
import { registrationCoverage } from '../reports/coverage.js';
import { streamEvents, toAuditEvent } from '../store/report-query.js';
import { csvHeader, eventCsvLine } from '../reports/csv.js';
import { filterOf, REPORT_CATEGORY, reportQueryProblem, type ReportName } from '../reports/reports.js';
import { CliError, parseCommand, positional, table, type Cli } from './cli-context.js';

const REPORT_USAGE =
  'sspr-admin report activity|registration|audit [--from 2026-01-01] [--to 2026-02-01] [--user u] [--type reset.] [--method m] [--result r] [--client ip] [--sort asc|desc] [--limit n] [--format table|csv|json] [--out file]';

/** `2026-03-01` means that day's UTC midnight; full ISO times pass as they are. */
function isoOf(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  return /^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v;
}

async function write(stream: NodeJS.WritableStream | WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

/** R17b from the command line: the same reports, filters and CSV as the API, no row cap. */
export async function reportCommand(cli: Cli, args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      from: { type: 'string' },
      to: { type: 'string' },
      user: { type: 'string' },
      type: { type: 'string' },
      method: { type: 'string' },
      result: { type: 'string' },
      client: { type: 'string' },
      sort: { type: 'string' },
      limit: { type: 'string' },
      format: { type: 'string', default: 'table' },
      out: { type: 'string' },
    },
    REPORT_USAGE,
  );
  const name = positional(positionals, 0, 'the report (activity, registration or audit)', REPORT_USAGE);
  if (!(name in REPORT_CATEGORY)) throw new CliError(`unknown report "${name}"\nusage: ${REPORT_USAGE}`, 2);
  const category = REPORT_CATEGORY[name as ReportName];
  const parsed = ReportQuery.safeParse({
    from: isoOf(values.from),
    to: isoOf(values.to),
    user: values.user,
    type: values.type,
    method: values.method,
    result: values.result,
    client: values.client,
    sort: values.sort,
  });
  if (!parsed.success) throw new CliError(parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('\n'), 2);
  const q = parsed.data;
  const problem = reportQueryProblem(q);
  if (problem) throw new CliError(`--${problem.field}: ${problem.message}`, 2);
  const format = values.format!;
  if (!['table', 'csv', 'json'].includes(format)) throw new CliError(`--format: expected table, csv or json, got "${format}"`, 2);
  const limit = values.limit === undefined ? (format === 'table' ? 50 : Infinity) : Number(values.limit);
  if (!(limit > 0) || (limit !== Infinity && !Number.isInteger(limit))) throw new CliError(`--limit: expected a positive whole number, got "${values.limit}"`, 2);

  const stream = values.out ? createWriteStream(values.out) : process.stdout;
  let rows = 0;
  const events: AuditEvent[] = [];
  if (format === 'csv') await write(stream, csvHeader());
  outer: for await (const batch of streamEvents(cli.store, filterOf(category, q), q.sort, Math.min(2000, limit))) {
    for (const row of batch) {
      if (rows >= limit) break outer;
      const e = toAuditEvent(row);
      rows++;
      if (format === 'json') await write(stream, JSON.stringify(e) + '\n');
      else if (format === 'csv') await write(stream, eventCsvLine(e));
      else events.push(e);
    }
  }
  if (format === 'table') {
    const text = table(
      ['time', 'type', 'user', 'actor', 'method', 'result', 'client', 'detail'],
      events.map((e) => [e.time, e.type, e.user ?? '', e.actor ?? '', e.method ?? '', e.result, e.client ?? '', e.detail ? JSON.stringify(e.detail) : '']),
    );
    await write(stream, text + '\n');
  }
  if (values.out) {
    stream.end();
    await once(stream, 'finish');
    cli.out(`${rows} event(s) written to ${values.out}`);
  } else if (format === 'table') cli.out(`${rows} event(s)${rows === limit ? ` (first ${limit}; --limit for more)` : ''}`);
  return 0;
}

/** R4 coverage of in-scope users, and who is not registered yet. */
export async function coverageCommand(cli: Cli, args: string[]): Promise<number> {
  const { values } = parseCommand(args, { list: { type: 'boolean', default: false } }, 'sspr-admin coverage [--list]');
  const c = await registrationCoverage(await cli.directoryTools(), { listUnregistered: values.list });
  if (!c) throw new CliError('coverage needs a directory that can list its users (the built-in directory)');
  const pct = c.coverage === null ? 'n/a' : `${(c.coverage * 100).toFixed(1)}%`;
  cli.out(`registration coverage: ${c.registered} of ${c.inScope} in-scope user(s) registered (${pct})`);
  if (values.list) for (const u of c.unregistered ?? []) cli.out(`  not registered: ${u}`);
  return 0;
}
