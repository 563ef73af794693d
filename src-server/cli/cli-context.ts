import { hostname, userInfo } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AuditLog } from '../audit/audit-log.js';
import { systemClock, type Clock } from '../clock.js';
import { databaseUrlOf, type ServerConfig } from '../config.js';
import type { Directory } from '../directory/directory.js';
import type { ProblemError } from '../errors.js';
import { ApiTokens } from '../auth/api-tokens.js';
import { AdminPolicy } from '../flows/admin-policy.js';
import { ApiTokenAdmin } from '../flows/api-token-admin.js';
import { ApiTokenStore } from '../store/api-token-store.js';
import { AuditEventStore } from '../store/audit-event-store.js';
import type { AccessPassIssue } from '../flows/access-pass-issue.js';
import type { AdminGroups } from '../flows/admin-groups.js';
import type { AdminContext, AdminUsers } from '../flows/admin-users.js';
import type { MethodStore } from '../store/method-store.js';
import { PolicyStore } from '../store/policy-store.js';
import { openStore, type Store } from '../store/db.js';

/** A failure the CLI reports in one line; exit code 2 for usage errors, 1 otherwise. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** What a command may use: the store and the policy at once, the directory's flows when it asks. */
export interface Cli {
  store: Store;
  policyStore: PolicyStore;
  adminPolicy: AdminPolicy;
  /** R38: API tokens for scripts. */
  apiTokenAdmin: ApiTokenAdmin;
  /** Opens the directory (built-in or LDAP) and builds the admin flows on it, once. */
  directoryTools(): Promise<DirectoryTools>;
  /** Audit actor `cli:<os user>`, client `cli@<host>` (R17a). */
  ctx: AdminContext;
  out(text: string): void;
}

export interface DirectoryTools {
  directory: Directory;
  methodStore: MethodStore;
  policyStore: PolicyStore;
  clock: Clock;
  users: AdminUsers;
  groups: AdminGroups;
  accessPassIssue: AccessPassIssue;
}

/**
 * The admin CLI's composition root: the same store, secret key and audit log as `npm run
 * server`, without HTTP; the directory, mail and the user flows are loaded only by the
 * commands that use them, so `policy get` starts in well under a second.
 */
export async function openCli(config: ServerConfig, out: (text: string) => void): Promise<{ cli: Cli; close(): Promise<void> }> {
  const clock = systemClock;
  const store = await openStore(databaseUrlOf(config));
  const db = store.db;
  const policyStore = new PolicyStore(db, clock);
  const auditLog = new AuditLog(clock, new AuditEventStore(store));
  const apiTokenStore = new ApiTokenStore(db);
  const apiTokens = new ApiTokens({ db, clock, apiTokenStore, auditLog });
  let tools: Promise<DirectoryTools & { close(): Promise<void> }> | null = null;
  const cli: Cli = {
    store,
    policyStore,
    adminPolicy: new AdminPolicy({ auditLog, db, policyStore }),
    apiTokenAdmin: new ApiTokenAdmin({ db, clock, apiTokens, apiTokenStore, auditLog }),
    directoryTools: () => (tools ??= import('./directory-tools.js').then((m) => m.openDirectoryTools(config, { store, clock, policyStore, auditLog }))),
    ctx: { actor: `cli:${safeUser()}`, client: `cli@${hostname()}`, locale: config.defaultLocale },
    out,
  };
  return {
    cli,
    async close() {
      if (tools) await (await tools).close();
      await store.close();
    },
  };
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/** Per-command options; a wrong flag is a usage error naming it. */
export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, usage: string) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new CliError(`${(e as Error).message.split('\n')[0]}\nusage: ${usage}`, 2);
  }
}

export function positional(positionals: string[], index: number, name: string, usage: string): string {
  const v = positionals[index];
  if (v === undefined || v === '') throw new CliError(`missing ${name}\nusage: ${usage}`, 2);
  return v;
}

/** A ProblemError from a flow, as the CLI says it: the detail and any policy violations. */
export function describeProblem(e: ProblemError): string {
  const lines = [e.message];
  for (const v of e.fields.violations ?? []) lines.push(`  - ${v.message}`);
  for (const i of e.fields.issues ?? []) lines.push(`  - ${i.path}: ${i.message}`);
  return lines.join('\n');
}

/** Terminal columns a string takes: East Asian wide characters (漢字, かな, full-width) take two. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    const wide =
      (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x20000 && c <= 0x3fffd);
    w += wide ? 2 : 1;
  }
  return w;
}

/** Plain aligned columns for terminals. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i] ?? ''))));
  const pad = (c: string, i: number) => c + ' '.repeat(Math.max(0, widths[i]! - displayWidth(c)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : pad(c, i))).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
