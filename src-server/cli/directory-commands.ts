import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { CreateGroupRequest, CreateUserRequest, PatchUserRequest, SetUserMethodsRequest, type AdminUser } from '../../shared/api/admin.js';
import { CliError, parseCommand, positional, table, type Cli } from './cli-context.js';
import { applyContactRows, readContactCsv, REMOVE_MARK } from './import-contacts.js';

const USERS_USAGE = `sspr-admin users list [--search text]
       sspr-admin users add <username> --display-name <name> (--password-stdin | --password <pw>) [--email a@b] [--admin] [--groups g1,g2]
       sspr-admin users set <username> [--display-name n] [--email a@b|${REMOVE_MARK}] [--admin true|false] [--disabled true|false] [--groups g1,g2] [--password-stdin] [--must-change true|false] [--unlock]
       sspr-admin users delete <username>`;
const GROUPS_USAGE = `sspr-admin groups list | add <group> [--description text] [--members u1,u2] | delete <group> | add-member <group> <user> | remove-member <group> <user>`;
const METHODS_USAGE = `sspr-admin methods set <username> [--email a@b] [--mobile +81 9012345678] [--office +81 312345678]   (${REMOVE_MARK} removes one)`;
const IMPORT_USAGE = 'sspr-admin import <file.csv> [--dry-run]   (header: username,email,mobilePhone,officePhone)';

/** Validates a request body with the API's own schema; each problem names the flag. */
function validate<T extends z.ZodType>(schema: T, value: unknown, flagOf: (field: string) => string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new CliError(r.error.issues.map((i) => `${flagOf(String(i.path[0] ?? ''))}: ${i.message}`).join('\n'), 2);
  return r.data;
}

const kebab = (field: string) => `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((x) => x.trim()).filter(Boolean));

function bool(v: string | undefined, flag: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'true' || v === 'yes') return true;
  if (v === 'false' || v === 'no') return false;
  throw new CliError(`${flag}: expected true or false, got "${v}"`, 2);
}

function readPasswordStdin(): string {
  const text = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  if (!text) throw new CliError('--password-stdin: nothing on standard input', 2);
  return text;
}

function userRow(u: AdminUser): string[] {
  const flags = [u.isAdmin ? 'admin' : '', u.disabled ? 'disabled' : '', u.locked ? 'locked' : ''].filter(Boolean).join(',');
  return [u.username, u.displayName, u.email ?? '', flags, u.registered ? 'yes' : 'no', u.methods.map((m) => `${m.type}(${m.hint})`).join(' ')];
}

function printUser(cli: Cli, u: AdminUser): void {
  cli.out(table(['user', 'name', 'email', 'flags', 'registered', 'methods'], [userRow(u)]));
}

export async function usersCommand(cli: Cli, args: string[]): Promise<number> {
  // `users add bob --admin` is a switch; `users set bob --admin false` takes a value.
  const adding = args[0] === 'add';
  const { values, positionals } = parseCommand(
    args,
    {
      search: { type: 'string' },
      'display-name': { type: 'string' },
      password: { type: 'string' },
      'password-stdin': { type: 'boolean', default: false },
      email: { type: 'string' },
      admin: { type: adding ? 'boolean' : 'string' },
      disabled: { type: 'string' },
      groups: { type: 'string' },
      'must-change': { type: 'string' },
      unlock: { type: 'boolean', default: false },
    },
    USERS_USAGE,
  );
  const sub = positional(positionals, 0, 'users list|add|set|delete', USERS_USAGE);
  if (sub === 'list') {
    const rows: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await (await cli.directoryTools()).users.list({ cursor, limit: 200, q: values.search });
      rows.push(...page.users.map(userRow));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    cli.out(table(['user', 'name', 'email', 'flags', 'registered', 'methods'], rows));
    cli.out(`${rows.length} user(s)`);
    return 0;
  }
  const username = positional(positionals, 1, '<username>', USERS_USAGE);
  if (sub === 'add') {
    const body = validate(
      CreateUserRequest,
      {
        username,
        displayName: values['display-name'],
        password: values['password-stdin'] ? readPasswordStdin() : values.password,
        email: values.email,
        isAdmin: values.admin === true ? true : undefined,
        groups: list(values.groups),
      },
      (f) => (f === 'username' ? '<username>' : kebab(f)),
    );
    const u = await (await cli.directoryTools()).users.create(body, cli.ctx);
    cli.out(`created ${u.username}`);
    printUser(cli, u);
    return 0;
  }
  if (sub === 'set') {
    const body = validate(
      PatchUserRequest,
      {
        displayName: values['display-name'],
        email: values.email === REMOVE_MARK ? null : values.email,
        isAdmin: bool(values.admin as string | undefined, '--admin'),
        disabled: bool(values.disabled, '--disabled'),
        groups: list(values.groups),
        password: values['password-stdin'] ? readPasswordStdin() : values.password,
        mustChangePassword: bool(values['must-change'], '--must-change'),
        unlock: values.unlock ? true : undefined,
      },
      (f) => (f === 'mustChangePassword' ? '--must-change' : f === 'isAdmin' ? '--admin' : kebab(f)),
    );
    if (Object.values(body).every((v) => v === undefined)) throw new CliError(`nothing to change\nusage: ${USERS_USAGE}`, 2);
    printUser(cli, await (await cli.directoryTools()).users.patch(username, body, cli.ctx));
    return 0;
  }
  if (sub === 'delete') {
    await (await cli.directoryTools()).users.remove(username, cli.ctx);
    cli.out(`deleted ${username}`);
    return 0;
  }
  throw new CliError(`unknown users command "${sub}"\nusage: ${USERS_USAGE}`, 2);
}

export async function groupsCommand(cli: Cli, args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { description: { type: 'string' }, members: { type: 'string' } }, GROUPS_USAGE);
  const sub = positional(positionals, 0, 'groups list|add|delete|add-member|remove-member', GROUPS_USAGE);
  const print = (g: { name: string; description: string; members: string[] }) => cli.out(`${g.name}${g.description ? ` — ${g.description}` : ''}: ${g.members.join(', ') || '(no members)'}`);
  if (sub === 'list') {
    const groups = await (await cli.directoryTools()).groups.list();
    groups.forEach(print);
    cli.out(`${groups.length} group(s)`);
    return 0;
  }
  const group = positional(positionals, 1, '<group>', GROUPS_USAGE);
  switch (sub) {
    case 'add': {
      const body = validate(CreateGroupRequest, { name: group, description: values.description, members: list(values.members) }, (f) => (f === 'name' ? '<group>' : kebab(f)));
      print(await (await cli.directoryTools()).groups.create(body, cli.ctx));
      return 0;
    }
    case 'delete':
      await (await cli.directoryTools()).groups.remove(group, cli.ctx);
      cli.out(`deleted group ${group}`);
      return 0;
    case 'add-member':
      print(await (await cli.directoryTools()).groups.addMember(group, positional(positionals, 2, '<user>', GROUPS_USAGE), cli.ctx));
      return 0;
    case 'remove-member':
      print(await (await cli.directoryTools()).groups.removeMember(group, positional(positionals, 2, '<user>', GROUPS_USAGE), cli.ctx));
      return 0;
    default:
      throw new CliError(`unknown groups command "${sub}"\nusage: ${GROUPS_USAGE}`, 2);
  }
}

/** R4: contact methods on the user's behalf, through the same flow as the admin API. */
export async function methodsCommand(cli: Cli, args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { email: { type: 'string' }, mobile: { type: 'string' }, office: { type: 'string' } }, METHODS_USAGE);
  if (positional(positionals, 0, 'methods set', METHODS_USAGE) !== 'set') throw new CliError(`usage: ${METHODS_USAGE}`, 2);
  const username = positional(positionals, 1, '<username>', METHODS_USAGE);
  const v = (x: string | undefined) => (x === REMOVE_MARK ? null : x);
  const body = validate(SetUserMethodsRequest, { email: v(values.email), mobilePhone: v(values.mobile), officePhone: v(values.office) }, (f) => ({ email: '--email', mobilePhone: '--mobile', officePhone: '--office' })[f] ?? f);
  if (Object.values(body).every((x) => x === undefined)) throw new CliError(`give at least one of --email, --mobile, --office\nusage: ${METHODS_USAGE}`, 2);
  printUser(cli, await (await cli.directoryTools()).users.setMethods(username, body, cli.ctx));
  return 0;
}

/** Bulk phone/email (R4): per-line errors; valid rows in one transaction; nothing written on --dry-run. */
export async function importCommand(cli: Cli, args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { 'dry-run': { type: 'boolean', default: false } }, IMPORT_USAGE);
  const file = positional(positionals, 0, '<file.csv>', IMPORT_USAGE);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`${file}: ${(e as NodeJS.ErrnoException).code ?? 'cannot read'}`);
  }
  const read = readContactCsv(text);
  const dryRun = values['dry-run'] ?? false;
  const { applied, errors } = await applyContactRows(cli.store.db, (await cli.directoryTools()).users, read.rows, cli.ctx, { dryRun });
  const all = [...read.errors, ...errors].sort((a, b) => a.line - b.line);
  for (const e of all) process.stderr.write(`sspr-admin: line ${e.line}: ${e.message}\n`);
  const failed = `${all.length} row(s) with errors`;
  cli.out(dryRun ? `dry run: ${applied} row(s) would be applied, ${failed}; nothing written` : `imported ${applied} row(s) in one transaction, ${failed}${all.length ? ' (not applied)' : ''}`);
  return all.length ? 1 : 0;
}
