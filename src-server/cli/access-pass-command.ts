import { IssueAccessPassRequest } from '../../shared/api/trust.js';
import { CliError, parseCommand, positional, type Cli } from './cli-context.js';

const USAGE = 'access-pass <username> [--lifetime minutes] [--reusable]';

/** R31: a helpdesk issues a Temporary Access Pass from the command line; it is printed once. */
export async function accessPassCommand(cli: Cli, args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { lifetime: { type: 'string' }, reusable: { type: 'boolean', default: false } }, USAGE);
  const username = positional(positionals, 0, '<username>', USAGE);
  const lifetime = values.lifetime === undefined ? undefined : Number(values.lifetime);
  const parsed = IssueAccessPassRequest.safeParse({ ...(lifetime === undefined ? {} : { lifetimeMinutes: lifetime }), oneTime: !values.reusable });
  if (!parsed.success) throw new CliError(`--lifetime: ${parsed.error.issues[0]?.message ?? 'not valid'} (10 to 480 minutes)\nusage: ${USAGE}`, 2);
  const issued = await (await cli.directoryTools()).accessPassIssue.issue(username, parsed.data, cli.ctx);
  cli.out(`${issued.pass}\nvalid until ${issued.expiresAt}${issued.oneTime ? ', for one use' : ', reusable until then'}; shown only now`);
  return 0;
}
