import type { Transaction } from 'kysely';
import type { SetResetPasswordResponse } from '../../shared/api/reset.js';
import type { AuditEntry, AuditLog } from '../audit/audit-log.js';
import { revokeUserSessions } from '../store/revocation.js';
import type { Clock } from '../clock.js';
import { DirectoryUnavailableError, type Directory, type DirectoryUser, type PasswordWriteResult } from '../directory/directory.js';
import { ProblemError } from '../errors.js';
import type { MailMessage } from '../notify/mailer.js';
import type { ClaimedNotices, NoticeOutbox } from '../notify/notice-outbox.js';
import type { PasswordNotifier } from '../notify/notifications.js';
import { productPasswordViolations } from '../policy/password-check.js';
import type { PolicyStore } from '../store/policy-store.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Db } from '../store/db.js';
import type { PasswordIntent, ResetSessionStore, StoredResetSession } from '../store/reset-session-store.js';
import type { Database } from '../store/schema.js';
import type { ThrottleStore } from '../store/throttle-store.js';
import { auditReset } from './reset-audit.js';
import { activeResetSession, verifiedSubject, type RequestContext } from './reset-rules.js';

/** What completing a reset needs besides the session; kept sealed in an intent. */
interface Completion {
  unlock: boolean;
  wasLocked: boolean;
  client: string;
  notices: MailMessage[];
  /** The directory's password-changed time before the write: a later one means it landed. */
  changedBefore: number | null;
}

interface ResetPasswordDependencies {
  db: Db;
  clock: Clock;
  directory: Directory;
  policyStore: PolicyStore;
  resetSessions: ResetSessionStore;
  throttles: ThrottleStore;
  auditLog: AuditLog;
  secretBox: SecretBox;
  passwordNotifier: PasswordNotifier;
  /** The durable outbox the completion queues its notices in. */
  notices: NoticeOutbox;
  /** How long a `setting` claim holds (SSPR_RESET_CLAIM_MS). */
  claimMs: number;
}

/**
 * The last step of a reset (R18, R19, R22): the new password written to the directory once
 * per session, and everything a reset means with it. An external directory's write that a
 * crash or an outage left unsettled is reconciled against the directory's own record.
 */
export class ResetPassword {
  constructor(private readonly deps: ResetPasswordDependencies) {}

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  async setPassword(token: string, body: { newPassword: string; unlockAccount: boolean }, ctx: RequestContext): Promise<SetResetPasswordResponse> {
    const { db, directory, resetSessions, auditLog } = this.deps;
    const session = await activeResetSession(resetSessions, token, this.now());
    const user = await directory.findUserById(verifiedSubject(session));
    const audit = (result: AuditEntry['result'], detail: Record<string, unknown> | null) =>
      db.transaction().execute((trx) => auditReset(auditLog, trx, session, { type: 'reset.password', result, client: ctx.client, detail }));
    if (!user) {
      await audit('denied', { reason: 'gone' });
      throw new ProblemError('forbidden', 'This account no longer exists.');
    }
    // R19: a disabled account verifies like any other, and is refused here.
    if (user.disabled) {
      await audit('denied', { reason: 'disabled' });
      throw new ProblemError('forbidden', 'This account is disabled, so its password cannot be reset. Contact your administrator.');
    }
    const policy = await this.deps.policyStore.get();
    const violations = productPasswordViolations(body.newPassword, policy, user, ctx.locale);
    if (violations.length) {
      await audit('failure', { reason: 'productPolicy', rules: violations.map((v) => v.rule) });
      throw new ProblemError('password_policy', 'The new password does not meet the policy.', { violations });
    }
    // One write at a time per session: a double submit must not race the first one into
    // the directory's history check. The claim lapses, so a crash never holds the session.
    const now = this.now();
    if (!(await resetSessions.claimForWrite(db, session.id, now, now + this.deps.claimMs))) throw new ProblemError('conflict', 'The new password is already being set.');
    const release = () => resetSessions.moveStatus(db, session.id, ['setting'], 'ready');
    let written: PasswordWriteResult;
    try {
      // R22: rendered now, queued in the transaction that completes the reset.
      const notices = await this.deps.passwordNotifier.messages(user, { how: 'reset', client: ctx.client, locale: ctx.locale, when: new Date(now) });
      const completion: Completion = { unlock: body.unlockAccount, wasLocked: user.locked, client: ctx.client, notices, changedBefore: user.password.lastChangedAt?.getTime() ?? null };
      // The directory's verdict is the user's to see (R18a); if it cannot be reached the
      // error propagates (directory_unavailable) and the session stays usable for a retry.
      let queued: ClaimedNotices | null = null;
      written = directory.resetPasswordWith
        ? await directory.resetPasswordWith(user, body.newPassword, { unlock: body.unlockAccount }, async (trx) => void (queued = await this.complete(trx, session, user.id, completion)))
        : await this.writeWithIntent(session, user, body.newPassword, completion);
      // Committed by now: the notices queued with the completion go to the relay.
      if (written.ok && queued) this.deps.notices.sendClaimed(queued);
    } catch (err) {
      // An external write whose outcome is unknown keeps its claim until reconciled or lapsed.
      if (!(await resetSessions.intentFor(session.id))) await release();
      throw err;
    }
    if (!written.ok) {
      await release();
      await audit('failure', { reason: 'directoryPolicy', rules: written.violations.map((v) => v.rule) });
      throw new ProblemError('password_policy', 'The directory refused the new password.', { violations: written.violations });
    }
    return { unlocked: body.unlockAccount, changedAt: written.changedAt.toISOString() };
  }

  /**
   * Everything a reset means besides the password itself, in the caller's transaction: the
   * session completed, sessions and refresh tokens revoked, R11d's counters cleared, the audit
   * event and the notices, queued claimed by this instance (the caller sends them after the
   * commit). Null when the session was completed already.
   */
  private async complete(trx: Transaction<Database>, session: StoredResetSession, userId: string, c: Completion, how?: { reconciled: true }): Promise<ClaimedNotices | null> {
    const { resetSessions, throttles, auditLog } = this.deps;
    if (!(await resetSessions.moveStatus(trx, session.id, ['verifying', 'ready', 'setting'], 'completed', { completedAt: this.now() }))) return null;
    await revokeUserSessions(trx, this.deps.clock, userId, session.id);
    // R11d: a successful reset clears every counter.
    await throttles.clear(trx, session.throttleKey);
    await auditReset(auditLog, trx, session, { type: 'reset.password', result: 'success', client: c.client, detail: how ?? null });
    if (c.unlock) await auditReset(auditLog, trx, session, { type: 'reset.unlock', result: 'success', client: c.client, detail: { wasLocked: c.wasLocked } });
    return this.deps.notices.enqueueClaimed(trx, c.notices);
  }

  /**
   * An external directory cannot join the store's transaction: an intent is recorded before
   * the write and closed with the completion after it; one a crash or an outage left open is
   * reconciled against the directory (at once, and by `reconcileOpenIntents`).
   */
  private async writeWithIntent(session: StoredResetSession, user: DirectoryUser, newPassword: string, c: Completion): Promise<PasswordWriteResult> {
    const { db, directory, resetSessions, secretBox } = this.deps;
    const now = this.now();
    const intent: PasswordIntent = { sessionId: session.id, userId: user.id, sealed: secretBox.sealJson(c), createdAt: now, expiresAt: session.expiresAt };
    await resetSessions.recordIntent(db, intent);
    let written: PasswordWriteResult;
    try {
      written = await directory.resetPassword(user, newPassword, { unlock: c.unlock });
    } catch (err) {
      // The write may still have landed: ask the directory before telling the user it failed.
      const outcome = await this.reconcile(intent, { inFlight: true }).catch(() => 'open' as const);
      if (outcome === 'completed') return { ok: true, changedAt: new Date(now) };
      throw err;
    }
    if (!written.ok) {
      await resetSessions.dropIntent(db, session.id);
      return written;
    }
    const queued = await db.transaction().execute(async (trx) => {
      const claimed = await this.complete(trx, session, user.id, c);
      await resetSessions.dropIntent(trx, session.id);
      return claimed;
    });
    if (queued) this.deps.notices.sendClaimed(queued);
    return written;
  }

  /** For a session left `setting`: its open write asked of the directory; true when that settled it. */
  async settle(session: StoredResetSession): Promise<boolean> {
    const open = session.status === 'setting' ? await this.deps.resetSessions.intentFor(session.id) : null;
    return open !== null && (await this.reconcile(open).catch(() => 'open')) !== 'open';
  }

  /**
   * Settles one open intent from the directory's own record: a password changed since the
   * intent was recorded completes the reset; otherwise the session is `ready` again. A directory
   * that cannot be reached leaves it open (an intent past its session's end is dropped).
   */
  private async reconcile(intent: PasswordIntent, o: { inFlight?: boolean } = {}): Promise<'completed' | 'not-applied' | 'open'> {
    const { db, directory, resetSessions } = this.deps;
    const session = await resetSessions.byId(intent.sessionId);
    if (!session || session.status === 'completed') {
      await resetSessions.dropIntent(db, intent.sessionId);
      return session ? 'completed' : 'not-applied';
    }
    // A write still in flight elsewhere is its request's to settle, until its claim lapses.
    if (!o.inFlight && session.status === 'setting' && (session.claimUntil ?? 0) > this.now()) return 'open';
    const user = await directory.findUserById(intent.userId).catch((err: unknown) => {
      if (err instanceof DirectoryUnavailableError) return undefined;
      throw err;
    });
    if (user === undefined) {
      if (this.now() < intent.expiresAt) return 'open';
      await resetSessions.dropIntent(db, intent.sessionId);
      return 'not-applied';
    }
    // Compared with the directory's own earlier stamp, not our clock: no skew, and whole
    // seconds (pwdChangedTime) cannot make an older change look like this one.
    const c = this.deps.secretBox.openJson<Completion>(intent.sealed);
    const changed = user?.password.lastChangedAt?.getTime() ?? null;
    if (user && changed !== null && (c.changedBefore === null || changed > c.changedBefore)) {
      const queued = await db.transaction().execute(async (trx) =>
        (await resetSessions.dropIntent(trx, intent.sessionId)) ? this.complete(trx, session, intent.userId, c, { reconciled: true }) : null,
      );
      if (queued) this.deps.notices.sendClaimed(queued);
      return 'completed';
    }
    await db.transaction().execute(async (trx) => {
      await resetSessions.dropIntent(trx, intent.sessionId);
      await resetSessions.moveStatus(trx, session.id, ['setting'], 'ready');
    });
    return 'not-applied';
  }

  /** Intents a crash or an outage left open (start-up, then periodically). */
  async reconcileOpenIntents(): Promise<{ completed: number; notApplied: number; open: number }> {
    const counts = { completed: 0, notApplied: 0, open: 0 };
    for (const intent of await this.deps.resetSessions.openIntents(500)) {
      const outcome = await this.reconcile(intent);
      if (outcome === 'completed') counts.completed++;
      else if (outcome === 'not-applied') counts.notApplied++;
      else counts.open++;
    }
    return counts;
  }
}
