import { readFileSync } from 'node:fs';
import { PolicyDocument } from '../../shared/api/policy.js';
import { policyDiff } from '../flows/admin-policy.js';
import { CliError, parseCommand, positional, type Cli } from './cli-context.js';

const USAGE = 'sspr-admin policy get | policy set <file.json> [--dry-run]';

/** Reads and validates a policy file; every problem on its own line, with the field's path. */
export function readPolicyFile(file: string): PolicyDocument {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`${file}: ${(e as NodeJS.ErrnoException).code ?? 'cannot read'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new CliError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const parsed = PolicyDocument.safeParse(json);
  if (!parsed.success) {
    throw new CliError(parsed.error.issues.map((i) => `${file}: ${i.path.join('.') || '(document)'}: ${i.message}`).join('\n'));
  }
  return parsed.data;
}

const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));

/** `policy get` prints the document; `policy set` validates, shows the diff, applies it (audited). */
export async function policyCommand(cli: Cli, args: string[]): Promise<number> {
  const { values, positionals } = parseCommand(args, { 'dry-run': { type: 'boolean', default: false } }, USAGE);
  const sub = positional(positionals, 0, 'policy get|set', USAGE);
  const { policyStore } = cli;
  if (sub === 'get') {
    policyStore.invalidate();
    cli.out(JSON.stringify(await policyStore.get(), null, 2));
    return 0;
  }
  if (sub !== 'set') throw new CliError(`unknown policy command "${sub}"\nusage: ${USAGE}`, 2);
  const next = readPolicyFile(positional(positionals, 1, 'the policy file', USAGE));
  policyStore.invalidate();
  const changes = policyDiff(await policyStore.get(), next);
  if (changes.length === 0) {
    cli.out('policy unchanged');
    return 0;
  }
  for (const c of changes) cli.out(`  ${c.path}: ${show(c.before)} -> ${show(c.after)}`);
  if (values['dry-run']) {
    cli.out(`dry run: ${changes.length} change(s), nothing written`);
    return 0;
  }
  await cli.adminPolicy.replace(next, cli.ctx);
  cli.out(`policy updated: ${changes.length} change(s)`);
  return 0;
}
