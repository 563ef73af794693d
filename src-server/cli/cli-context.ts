import { hostname, userInfo } from 'node:os';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { ServerConfig } from '../config.js';
import { AdminGroups } from '../flows/admin-groups.js';
import { AdminUsers, type AdminContext } from '../flows/admin-users.js';
import { ProblemError } from '../errors.js';
import { createServer, type SsprServer } from '../server.js';
import type { Services } from '../services.js';

/** A failure the CLI reports in one line; exit code 2 for usage errors, 1 otherwise. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** What every command gets: the server's own services and admin flows, no HTTP. */
export interface Cli {
  services: Services;
  users: AdminUsers;
  groups: AdminGroups;
  /** Audit actor `cli:<os user>`, client `cli@<host>` (R17a). */
  ctx: AdminContext;
  out(text: string): void;
}

/**
 * Builds the same composition as `npm run server` (createServer: store, migrations, secret
 * key, directory, audit log) without listening, so the CLI runs the server's flows.
 */
export async function openCli(config: ServerConfig, out: (text: string) => void): Promise<{ cli: Cli; close(): Promise<void> }> {
  const server: SsprServer = await createServer({ ...config, logLevel: 'silent' });
  const s = server.services;
  const users = new AdminUsers(s);
  const cli: Cli = {
    services: s,
    users,
    groups: new AdminGroups(s, users),
    ctx: { actor: `cli:${safeUser()}`, client: `cli@${hostname()}`, locale: config.defaultLocale },
    out,
  };
  return { cli, close: () => server.close() };
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
