import type { Locale } from '../../shared/api/common.js';
import { revokeUserSessions } from '../auth/revocation.js';
import { RESET_HINT } from '../auth/sign-in.js';
import { ApiError } from '../http/problem.js';
import { notifyPasswordChanged } from '../notify/notifications.js';
import { productPasswordViolations } from '../policy/password-check.js';
import type { Services } from '../services.js';

const WRONG_CURRENT = 'The current password is not correct.';

/**
 * R15, R18a, R18b: a signed-in user (or one holding a change token after an expired
 * password) changes their password.
 *
 * Order: the product policy first (every violation at once, no side effects), then the
 * directory's change, which checks the current password as its own sign-in does — so wrong
 * guesses count towards the directory's lockout exactly as wrong sign-ins do — in the same
 * bind as the write (issue 12: one search, one bind, one write on LDAP); the directory's
 * refusal (history, minimum age, complexity) is shown as it is. A wrong current
 * password answers `forbidden` (not `unauthorized`: the token is fine, the app must not
 * sign out) with a clear detail; `password_policy` is kept for the new password's problems.
 */
export async function changePassword(
  s: Services,
  subjectId: string,
  input: { currentPassword: string; newPassword: string },
  ctx: { client: string; locale: Locale },
): Promise<{ changedAt: string }> {
  const user = await s.directory.findAccountById(subjectId);
  if (!user) throw new ApiError('unauthorized', 'The account no longer exists.');
  const audit = (result: 'success' | 'failure' | 'denied' | 'locked', reason?: string) =>
    s.audit.write(s.db, { type: 'password.change', user: user.username, result, client: ctx.client, detail: reason ? { reason } : null });

  const policy = await s.policy.get();
  const violations = productPasswordViolations(input.newPassword, policy, user, ctx.locale);
  if (violations.length) {
    await audit('failure', 'productPolicy');
    throw new ApiError('password_policy', 'The new password does not meet the policy.', { violations });
  }

  const written = await s.directory.changePassword(user, input.currentPassword, input.newPassword);
  if (!written.ok) {
    const refused = (rule: string) => written.violations.some((v) => v.rule === rule);
    if (refused('accountLocked')) {
      await audit('locked', 'directoryLocked');
      throw new ApiError('locked_out', `The account is locked after too many wrong passwords. ${RESET_HINT}`);
    }
    if (refused('accountDisabled')) {
      await audit('denied', 'disabled');
      throw new ApiError('forbidden', 'The account is disabled. Contact your administrator.');
    }
    if (refused('currentPassword')) {
      await audit('failure', 'currentPassword');
      throw new ApiError('forbidden', WRONG_CURRENT);
    }
    await audit('failure', 'directoryPolicy');
    throw new ApiError('password_policy', 'The directory refused the new password.', { violations: written.violations });
  }

  await s.db.transaction().execute(async (trx) => {
    await revokeUserSessions(trx, s.clock, subjectId);
    await s.audit.write(trx, { type: 'password.change', user: user.username, result: 'success', client: ctx.client });
  });
  await notifyPasswordChanged(s, user, { how: 'change', client: ctx.client, locale: ctx.locale });
  return { changedAt: written.changedAt.toISOString() };
}
