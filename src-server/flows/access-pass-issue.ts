import type { IssuedAccessPass } from '../../shared/api/trust.js';
import type { AccessPasses } from '../auth/access-passes.js';
import { ApiError } from '../http/problem.js';
import { notifyAccountChange } from '../notify/notifications.js';
import type { Services } from '../services.js';
import type { AdminContext } from './admin-users.js';

export type AccessPassIssueDeps = Pick<Services, 'db' | 'clock' | 'directory' | 'audit' | 'policy' | 'mailer' | 'methods' | 'log'>;

/**
 * R31: an administrator (console, API, CLI) issues a Temporary Access Pass for a user: a new
 * pass replaces any live one, is shown once, audited under the administrator, and the user
 * is told by email (R32). The pass itself appears nowhere but in this answer.
 */
export async function issueAccessPass(
  d: AccessPassIssueDeps,
  passes: AccessPasses,
  username: string,
  input: { lifetimeMinutes: number; oneTime: boolean },
  ctx: AdminContext,
): Promise<IssuedAccessPass> {
  const user = await d.directory.findUser(username);
  if (!user) throw new ApiError('not_found', 'No such user.');
  if (user.disabled) throw new ApiError('conflict', 'The account is disabled.');
  const issued = await d.db.transaction().execute(async (trx) => {
    await passes.revokeLive(trx, user.id);
    const issued = await passes.issue(trx, { subjectId: user.id, lifetimeMinutes: input.lifetimeMinutes, oneTime: input.oneTime, issuedBy: ctx.actor });
    await d.audit.write(trx, { type: 'admin.accesspass', user: user.username, actor: ctx.actor, result: 'success', client: ctx.client, detail: { lifetimeMinutes: input.lifetimeMinutes, oneTime: input.oneTime } });
    return issued;
  });
  notifyAccountChange(d, user, { kind: 'accessPassIssued', expiresAt: issued.expiresAt }, { client: ctx.client, locale: ctx.locale }).catch((err: Error) => d.log.warn({ err: err.message }, 'access pass notice failed'));
  return { pass: issued.pass, expiresAt: issued.expiresAt.toISOString(), oneTime: input.oneTime };
}
