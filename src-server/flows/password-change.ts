import type { Locale } from '../../shared/api/common.js';
import { RESET_HINT } from '../auth/sign-in.js';
import { ProblemError } from '../errors.js';
import type { PasswordNotifier } from '../notify/notifications.js';
import { productPasswordViolations } from '../policy/password-check.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Db } from '../store/db.js';
import { sameSeen, type Directory, type DirectoryAccount, type EarlyPasswordCheck, type SeenAccount } from '../directory/directory.js';
import { nextTurn } from '../event-loop.js';
import type { PasswordOwner } from '../../shared/rules/password.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import type { PolicyStore } from '../store/policy-store.js';
import type { PasswordWrites, PreparedIntent, WriteCompletion } from './password-write.js';

interface PasswordChangeDependencies {
  passwordNotifier: PasswordNotifier;
  auditLog: AuditLog;
  db: Db;
  directory: Directory;
  policyStore: PolicyStore;
  passwordWrites: PasswordWrites;
}

const WRONG_CURRENT = 'The current password is not correct.';

const sameOwner = (a: PasswordOwner, b: PasswordOwner) => a.username === b.username && (a.displayName ?? null) === (b.displayName ?? null) && (a.email ?? null) === (b.email ?? null);

type ChangeContext = { client: string; locale: Locale };

/**
 * A change's write intent recorded from the account as last seen, while the change's own
 * look-up is out. `take` hands it to the write when the look-up read the account the same,
 * and otherwise drops it first; `release` drops it when the change ends without a write.
 */
class IntentAhead {
  private settled = false;

  constructor(
    private readonly writes: PasswordWrites,
    private readonly prepared: Promise<PreparedIntent | null>,
  ) {}

  async take(user: DirectoryAccount): Promise<PreparedIntent | null> {
    this.settled = true;
    const prepared = await this.prepared;
    if (!prepared) return null;
    if (sameSeen(prepared.account, user)) return prepared;
    await this.writes.discard(prepared);
    return null;
  }

  release(): void {
    if (this.settled) return;
    this.settled = true;
    // Left recorded (the store failed just now), reconciliation finds nothing written and drops it.
    this.prepared.then((p) => p && this.writes.discard(p)).catch(() => {});
  }
}

/**
 * R15, R18a, R18b: a signed-in user (or one holding a change token after an expired
 * password) changes their password.
 *
 * Order: the product policy first (every violation at once, no side effects), then the
 * directory's change, which checks the current password as its own sign-in does — so wrong
 * guesses count towards the directory's lockout exactly as wrong sign-ins do — in the same
 * bind as the write (one search, one bind, one write on LDAP; the bind leaves with the
 * search when the policy passed with the names the account was last read with, see
 * `Directory.bindEarly`); the directory's refusal (history, minimum age, complexity) is
 * shown as it is. A wrong current
 * password answers `forbidden` (not `unauthorized`: the token is fine, the app must not
 * sign out) with a clear detail; `password_policy` is kept for the new password's problems.
 * The write and its completion (revocation R28, audit R17a, queued notice R22) are one
 * outcome (issue 10): see `PasswordWrites`. With an early bind, the write's intent (the
 * completion, its notices rendered) is recorded while the look-up is out too, from the
 * account as last seen, and used when the look-up reads the same (`sameSeen`).
 */
export class PasswordChange {
  constructor(private readonly deps: PasswordChangeDependencies) {}

  async change(subjectId: string, input: { currentPassword: string; newPassword: string }, ctx: ChangeContext): Promise<{ changedAt: string }> {
    const deps = this.deps;
    const lookup = deps.directory.findAccountById(subjectId);
    // Awaited below; this only keeps a failure before then from leaving it unhandled.
    lookup.catch(() => {});
    const policy = await deps.policyStore.get();
    // While the look-up is out: if the new password passes the policy with the names the
    // account was last read with, the check of the current password goes out too (issue 12),
    // and the write's intent is recorded from that account.
    const seen = deps.directory.lastSeen?.(subjectId) ?? null;
    // The look-up's request leaves before that check delays it (no check, no wait).
    if (seen) await nextTurn();
    const check = seen && productPasswordViolations(input.newPassword, policy, seen, ctx.locale).length === 0 ? (deps.directory.bindEarly?.(subjectId, input.currentPassword, input.newPassword) ?? null) : null;
    // Prepared on the next turn, once the bind has left too; a failure only means none.
    const early = seen && check ? { owner: seen, check, ahead: new IntentAhead(deps.passwordWrites, nextTurn().then(() => this.prepare(seen, ctx).catch(() => null))) } : null;
    try {
      return await this.changeFound(await lookup, input, ctx, policy, early);
    } finally {
      early?.check.drop();
      early?.ahead.release();
    }
  }

  private async completion(user: SeenAccount, ctx: ChangeContext): Promise<WriteCompletion> {
    // R22: rendered now, queued with the write.
    const notices = await this.deps.passwordNotifier.messages(user, { how: 'change', client: ctx.client, locale: ctx.locale });
    return { userId: user.id, audit: { type: 'password.change', user: user.username, result: 'success', client: ctx.client }, notices, clearThrottleKeys: [] };
  }

  /** The intent of a write to `seen`, sealed and recording. */
  private async prepare(seen: SeenAccount, ctx: ChangeContext): Promise<PreparedIntent> {
    return this.deps.passwordWrites.prepare(seen, await this.completion(seen, ctx));
  }

  private async changeFound(
    user: DirectoryAccount | null,
    input: { currentPassword: string; newPassword: string },
    ctx: ChangeContext,
    policy: PolicyDocument,
    early: { owner: PasswordOwner; check: EarlyPasswordCheck; ahead: IntentAhead } | null,
  ): Promise<{ changedAt: string }> {
    const deps = this.deps;
    if (!user) throw new ProblemError('unauthorized', 'The account no longer exists.');
    const audit = (result: 'success' | 'failure' | 'denied' | 'locked', reason?: string) =>
      deps.auditLog.write(deps.db, { type: 'password.change', user: user.username, result, client: ctx.client, detail: reason ? { reason } : null });

    // Checked already when the account's names have not changed since.
    const violations = early && sameOwner(early.owner, user) ? [] : productPasswordViolations(input.newPassword, policy, user, ctx.locale);
    if (violations.length) {
      await audit('failure', 'productPolicy');
      throw new ProblemError('password_policy', 'The new password does not meet the policy.', { violations });
    }

    const prepared = (await early?.ahead.take(user)) ?? null;
    const completion = prepared?.completion ?? (await this.completion(user, ctx));
    const written = await deps.passwordWrites.write(user, input.newPassword, { kind: 'change', currentPassword: input.currentPassword, early: early?.check, prepared }, completion);
    if (!written.ok) {
      const refused = (rule: string) => written.violations.some((v) => v.rule === rule);
      if (refused('accountLocked')) {
        await audit('locked', 'directoryLocked');
        throw new ProblemError('locked_out', `The account is locked after too many wrong passwords. ${RESET_HINT}`);
      }
      if (refused('accountDisabled')) {
        await audit('denied', 'disabled');
        throw new ProblemError('forbidden', 'The account is disabled. Contact your administrator.');
      }
      if (refused('currentPassword')) {
        await audit('failure', 'currentPassword');
        throw new ProblemError('forbidden', WRONG_CURRENT);
      }
      await audit('failure', 'directoryPolicy');
      throw new ProblemError('password_policy', 'The directory refused the new password.', { violations: written.violations });
    }
    return { changedAt: written.changedAt.toISOString() };
  }
}
