import { API_TOKEN_SCOPES, CreateApiTokenRequest } from '../../shared/api/api-tokens.js';
import { CliError, parseCommand, positional, table, type Cli } from './cli-context.js';

const USAGE = `token create <name> --scopes ${API_TOKEN_SCOPES.join(',')} [--days n] | token list | token revoke <name>`;

/** R38: API tokens for scripts, from the command line: created (printed once), listed, revoked. */
export async function tokenCommand(cli: Cli, args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create': {
      const { values, positionals } = parseCommand(rest, { scopes: { type: 'string' }, days: { type: 'string' } }, USAGE);
      const name = positional(positionals, 0, '<name>', USAGE);
      const parsed = CreateApiTokenRequest.safeParse({
        name,
        scopes: (values.scopes ?? '').split(',').map((s) => s.trim()).filter(Boolean),
        ...(values.days === undefined ? {} : { expiresInDays: Number(values.days) }),
      });
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new CliError(`${issue.path[0] === 'expiresInDays' ? '--days' : issue.path[0] === 'scopes' ? '--scopes' : '<name>'}: ${issue.message}\nusage: ${USAGE}`, 2);
      }
      const created = await cli.apiTokenAdmin.create(parsed.data, cli.ctx);
      cli.out(`${created.token}\n${created.name} (${created.scopes.join(', ')}) valid until ${created.expiresAt}; shown only now, send it as "Authorization: Bearer <token>"`);
      return 0;
    }
    case 'list': {
      parseCommand(rest, {}, USAGE);
      const tokens = await cli.apiTokenAdmin.list();
      cli.out(table(['name', 'scopes', 'created', 'by', 'expires', 'last used'], tokens.map((t) => [t.name, t.scopes.join(','), t.createdAt, t.createdBy, t.expiresAt, t.lastUsedAt ?? '-'])));
      return 0;
    }
    case 'revoke': {
      const { positionals } = parseCommand(rest, {}, USAGE);
      const name = positional(positionals, 0, '<name>', USAGE);
      const token = (await cli.apiTokenAdmin.list()).find((t) => t.name === name);
      if (!token) throw new CliError(`no live API token is named "${name}"`);
      await cli.apiTokenAdmin.revoke(token.id, cli.ctx);
      cli.out(`revoked ${name}`);
      return 0;
    }
    default:
      throw new CliError(`usage: ${USAGE}`, 2);
  }
}
