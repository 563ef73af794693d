import type { ResetSessionView, UnlockAccountResponse } from '../../shared/api/reset.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { DirectoryUnavailableError, type Directory } from '../directory/directory.js';
import { ProblemError } from '../errors.js';
import type { NoticeOutbox } from '../notify/notice-outbox.js';
import type { PasswordNotifier } from '../notify/notifications.js';
import type { PolicyStore } from '../store/policy-store.js';
import { hashToken } from '../security/tokens.js';
import type { Db } from '../store/db.js';
import type { ResetSessionStore } from '../store/reset-session-store.js';
import type { ThrottleStore } from '../store/throttle-store.js';
import { activeResetSession, verifiedSubject, type RequestContext } from './reset-rules.js';

interface AccountUnlockDependencies {
  db: Db;
  clock: Clock;
  directory: Directory;
  policyStore: PolicyStore;
  resetSessions: ResetSessionStore;
  throttles: ThrottleStore;
  auditLog: AuditLog;
  passwordNotifier: PasswordNotifier;
  /** R22's notice goes through the outbox, queued with the unlock: a relay that is down delays it, never loses it. */
  notices: Pick<NoticeOutbox, 'enqueueClaimed' | 'sendClaimed'>;
}

/**
 * R37: "unlock my account" at the end of a verified reset session, with no new password —
 * for the lockout that comes from an old password saved on a phone. Same gates and
 * throttles as a reset (the session passed them), the same audit and notice; offered only
 * when the policy allows it and the account is locked in the directory.
 */
export class AccountUnlock {
  constructor(private readonly deps: AccountUnlockDependencies) {}

  /**
   * For a session past every gate, from one directory read: whether the account is locked
   * (only when the policy offers unlock-only: the app offers the choice only then) and when
   * it last saw a wrong password. Nothing before the gates, and a decoy never passes one, so
   * it tells nothing about who exists (R13b).
   */
  async pastGates(token: string): Promise<Pick<ResetSessionView, 'accountLocked' | 'lastFailedSignInAt'>> {
    const session = await this.deps.resetSessions.byTokenHash(hashToken(token));
    if (!session?.subjectId || session.gatesPassed < session.requiredMethods) return {};
    const policy = await this.deps.policyStore.get();
    // The session itself does not need the directory: while it is down the view goes without
    // these (unlock not offered, no time named) and the reset waits for it as before.
    const account = await this.deps.directory.findAccountById(session.subjectId).catch((err: unknown) => {
      if (err instanceof DirectoryUnavailableError) return undefined;
      throw err;
    });
    if (account === undefined) return {};
    return {
      ...(policy.sspr.unlockOnly ? { accountLocked: account?.locked ?? false } : {}),
      lastFailedSignInAt: account?.lastFailedSignInAt?.toISOString() ?? null,
    };
  }

  async unlock(token: string, ctx: RequestContext): Promise<UnlockAccountResponse> {
    const { db, clock, directory, policyStore, resetSessions, throttles, auditLog } = this.deps;
    const now = clock.now().getTime();
    const session = await activeResetSession(resetSessions, token, now);
    const subjectId = verifiedSubject(session);
    const audit = (result: 'success' | 'denied', detail: Record<string, unknown> | null) =>
      db.transaction().execute((trx) => auditLog.write(trx, { type: 'reset.unlock', user: session.username, result, client: ctx.client, detail: { unlockOnly: true, ...detail } }));
    if (!(await policyStore.get()).sspr.unlockOnly) {
      await audit('denied', { reason: 'policy' });
      throw new ProblemError('forbidden', 'Unlocking without a new password is not allowed here. Choose a new password instead.');
    }
    const user = await directory.findUserById(subjectId);
    if (!user || user.disabled) {
      await audit('denied', { reason: user ? 'disabled' : 'gone' });
      throw new ProblemError('forbidden', 'This account cannot be unlocked here. Contact your administrator.');
    }
    if (!user.locked) throw new ProblemError('conflict', 'The account is not locked. Sign in with your password, or choose a new one.');
    if (!(await resetSessions.moveStatus(db, session.id, ['verifying', 'ready'], 'setting'))) throw new ProblemError('conflict', 'The account is already being unlocked.');
    await directory.unlock(user).catch(async (err: unknown) => {
      await resetSessions.moveStatus(db, session.id, ['setting'], 'ready');
      throw err;
    });
    const messages = await this.deps.passwordNotifier.messages(user, { how: 'unlock', client: ctx.client, locale: ctx.locale, when: new Date(now) });
    const queued = await db.transaction().execute(async (trx) => {
      await resetSessions.moveStatus(trx, session.id, 'any', 'completed', { completedAt: now });
      // R11d: a session that ends well clears the counters, as a reset does.
      await throttles.clear(trx, session.throttleKey);
      await auditLog.write(trx, { type: 'reset.unlock', user: session.username, result: 'success', client: ctx.client, detail: { unlockOnly: true, wasLocked: true } });
      return this.deps.notices.enqueueClaimed(trx, messages);
    });
    this.deps.notices.sendClaimed(queued);
    return { unlockedAt: new Date(now).toISOString() };
  }
}
