import type { IssuedAccessPass } from '../../shared/api/trust.js';
import type { AccessPasses } from '../auth/access-passes.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Directory } from '../directory/directory.js';
import { ProblemError } from '../errors.js';
import type { Log } from '../log.js';
import type { AccountNotifier } from '../notify/notifications.js';
import type { Db } from '../store/db.js';
import { refuseAdministratorsToTokens, type AdminContext } from './admin-users.js';

interface AccessPassIssueDependencies {
  db: Db;
  directory: Directory;
  auditLog: AuditLog;
  accessPasses: AccessPasses;
  accountNotifier: AccountNotifier;
  log: Log;
}

/**
 * R31: an administrator (console, API, CLI) issues a Temporary Access Pass for a user: a new
 * pass replaces any live one, is shown once, audited under the administrator, and the user
 * is told by email (R32). The pass itself appears nowhere but in this answer.
 */
export class AccessPassIssue {
  constructor(private readonly deps: AccessPassIssueDependencies) {}

  async issue(username: string, input: { lifetimeMinutes: number; oneTime: boolean }, ctx: AdminContext): Promise<IssuedAccessPass> {
    const { db, directory, auditLog, accessPasses, accountNotifier, log } = this.deps;
    const user = await directory.findUser(username);
    if (!user) throw new ProblemError('not_found', 'No such user.');
    refuseAdministratorsToTokens(ctx, user.isAdmin);
    if (user.disabled) throw new ProblemError('conflict', 'The account is disabled.');
    const issued = await db.transaction().execute(async (trx) => {
      await accessPasses.revokeLive(trx, user.id);
      const issued = await accessPasses.issue(trx, { subjectId: user.id, lifetimeMinutes: input.lifetimeMinutes, oneTime: input.oneTime, issuedBy: ctx.actor });
      await auditLog.write(trx, { type: 'admin.accesspass', user: user.username, actor: ctx.actor, result: 'success', client: ctx.client, detail: { lifetimeMinutes: input.lifetimeMinutes, oneTime: input.oneTime } });
      return issued;
    });
    // Awaited: the CLI exits right after, and an administrator's call may take a mail's time.
    await accountNotifier.notify(user, { kind: 'accessPassIssued', expiresAt: issued.expiresAt }, { client: ctx.client, locale: ctx.locale }).catch((err: Error) => log.warn({ err: err.message }, 'access pass notice failed'));
    return { pass: issued.pass, expiresAt: issued.expiresAt.toISOString(), oneTime: input.oneTime };
  }
}
