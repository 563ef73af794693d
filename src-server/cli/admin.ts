/**
 * `npm run admin -- <command>`: the administrator's command line. It opens the server's own
 * store and services (same config: --config file and SSPR_* environment) and runs the same
 * flows as the admin API, audited as `cli:<os user>`.
 */
import { ConfigError, loadConfig } from '../config.js';
import { ProblemError } from '../errors.js';
import { CliError, describeProblem, openCli, type Cli } from './cli-context.js';

export const HELP = `usage: npm run admin -- [--config file.json] <command> [options]

policy
  policy get                              print the policy document (JSON)
  policy set <file.json> [--dry-run]      validate, show the changes, apply them (audited)
users (built-in directory)
  users list [--search text]
  users add <username> --display-name <name> (--password-stdin | --password <pw>) [--email a@b] [--admin] [--groups g1,g2]
  users set <username> [--display-name n] [--email a@b|-] [--admin true|false] [--disabled true|false]
                       [--groups g1,g2] [--password-stdin] [--must-change true|false] [--unlock]
  users delete <username>
groups
  groups list | add <group> [--description t] [--members u1,u2] | delete <group>
  groups add-member <group> <user> | remove-member <group> <user>
methods on a user's behalf (R4; "-" removes one)
  methods set <username> [--email a@b] [--mobile "+81 9012345678"] [--office "+81 312345678"]
  import <file.csv> [--dry-run]           bulk: header username,email,mobilePhone,officePhone;
                                          empty cell = unchanged, "-" = remove; valid rows in one transaction
Temporary Access Pass (R31)
  access-pass <username> [--lifetime minutes] [--reusable]
                                          issue a pass (10–480 minutes, default 60; one use unless
                                          --reusable), printed once; the user is told by email
API tokens for scripts (R38)
  token create <name> --scopes reports:read,users:manage,policy:manage [--days n]
                                          create a token (1–365 days, default 90), printed once
  token list                              name, scopes, created, expires, last use (never the secret)
  token revoke <name>
reports (R17b)
  report activity|registration|audit [--from 2026-01-01] [--to 2026-02-01] [--user u] [--type reset.]
         [--method m] [--result success|failure|denied|locked] [--client ip] [--sort asc|desc]
         [--limit n] [--format table|csv|json] [--out file]
  coverage [--list]                       registration coverage of in-scope users

Settings come from --config and the SSPR_* environment, as for the server (SSPR_DATA_DIR,
SSPR_DATABASE_URL, SSPR_DIRECTORY_URL, ...). Exit codes: 0 ok, 1 failed, 2 usage error.`;

type Command = (cli: Cli, args: string[]) => Promise<number>;

// Each command's module is loaded only when it runs: `policy get` never loads the directory.
const COMMANDS: Record<string, () => Promise<Command>> = {
  policy: async () => (await import('./policy-commands.js')).policyCommand,
  users: async () => (await import('./directory-commands.js')).usersCommand,
  groups: async () => (await import('./directory-commands.js')).groupsCommand,
  methods: async () => (await import('./directory-commands.js')).methodsCommand,
  import: async () => (await import('./directory-commands.js')).importCommand,
  'access-pass': async () => (await import('./access-pass-command.js')).accessPassCommand,
  token: async () => (await import('./token-commands.js')).tokenCommand,
  report: async () => (await import('./report-commands.js')).reportCommand,
  coverage: async () => (await import('./report-commands.js')).coverageCommand,
};

/** Splits `--config <file>` / `--config=<file>` and `--help` from the command's own arguments. */
function globalOptions(argv: string[]): { config?: string; help: boolean; rest: string[] } {
  const rest: string[] = [];
  let config: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--config') {
      config = argv[++i];
      if (config === undefined) throw new CliError('--config needs a file', 2);
    } else if (a.startsWith('--config=')) config = a.slice('--config='.length);
    else if (a === '--help' || a === '-h' || (a === 'help' && rest.length === 0)) help = true;
    else rest.push(a);
  }
  return { config, help, rest };
}

export async function main(argv: string[], out: (text: string) => void = (t) => process.stdout.write(t + '\n')): Promise<number> {
  const { config: file, help, rest } = globalOptions(argv);
  const [command, ...args] = rest;
  if (help || !command) {
    out(HELP);
    return help ? 0 : 2;
  }
  const load = COMMANDS[command];
  if (!load) throw new CliError(`unknown command "${command}" (see --help)`, 2);
  const run = await load();
  const { cli, close } = await openCli(loadConfig({ file }), out);
  try {
    return await run(cli, args);
  } finally {
    await close();
  }
}

function fail(message: string, code: number): number {
  for (const line of message.split('\n')) process.stderr.write(`sspr-admin: ${line}\n`);
  return code;
}

/** Runs one command as a process does: the exit code set, a failure told in one line. */
export async function runCli(argv: string[]): Promise<void> {
  process.exitCode = await main(argv).catch((e: unknown) => {
    if (e instanceof CliError) return fail(e.message, e.exitCode);
    if (e instanceof ConfigError) return fail(e.message, 2);
    if (e instanceof ProblemError) return fail(describeProblem(e), 1);
    return fail((e as Error).message, 1);
  });
}

// Run directly (`tsx src-server/cli/admin.ts`); the compiled launcher calls `runCli` itself.
if (import.meta.url === `file://${process.argv[1]}`) void runCli(process.argv.slice(2));
