import type { Transaction } from 'kysely';
import type { AuditEntry, AuditLog } from '../audit/audit-log.js';
import { revokeUserSessions } from '../store/revocation.js';
import type { Clock } from '../clock.js';
import { DirectoryUnavailableError, type Directory, type DirectoryAccount, type EarlyPasswordCheck, type PasswordWriteResult, type SeenAccount } from '../directory/directory.js';
import type { MailMessage } from '../notify/mailer.js';
import type { ClaimedNotices, NoticeOutbox } from '../notify/notice-outbox.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Db } from '../store/db.js';
import type { Log } from '../log.js';
import { newId } from '../security/tokens.js';
import type { PasswordWriteIntent, PasswordWriteIntents } from '../store/password-write-intents.js';
import type { Database } from '../store/schema.js';
import type { ThrottleStore } from '../store/throttle-store.js';

/** What a password write means besides the password: sealed in an intent, so it must be plain data. */
export interface WriteCompletion {
  userId: string;
  /** The success event (R17a). */
  audit: AuditEntry;
  /** R22's notices, rendered by the caller. */
  notices: MailMessage[];
  /** Counters an administrator's unlock lifts. */
  clearThrottleKeys: string[];
}

/**
 * A user's change (checked against the current password) or an administrator's reset. A
 * change may bring its intent `prepared` already, from an account that read the same as the
 * one written to (`sameSeen`); its completion is then the prepared one's.
 */
type PasswordWriteKind =
  | { kind: 'change'; currentPassword: string; early?: EarlyPasswordCheck | null; prepared?: PreparedIntent | null }
  | { kind: 'reset'; unlock: boolean; mustChange: boolean };

/** An intent sealed and being recorded ahead of its write (`PasswordWrites.prepare`). */
export interface PreparedIntent {
  /** What it was sealed from. */
  readonly account: SeenAccount;
  readonly completion: WriteCompletion;
  readonly intent: PasswordWriteIntent;
  /** Settles when the intent is committed: null, or the error that kept it from being. */
  readonly recording: Promise<{ error: unknown } | null>;
}

/** An intent the directory never answered for is given up after this (no state without an expiry). */
const INTENT_KEEP_MS = 24 * 3_600_000;

interface SealedCompletion extends WriteCompletion {
  /** The directory's password-changed stamp before the write: a later one means it landed. */
  changedBefore: number | null;
}

interface PasswordWriteDependencies {
  auditLog: AuditLog;
  clock: Clock;
  db: Db;
  directory: Directory;
  notices: NoticeOutbox;
  secretBox: SecretBox;
  throttles: ThrottleStore;
  intents: PasswordWriteIntents;
  /** How long a request settles its own intent before reconciliation may (SSPR_RESET_CLAIM_MS). */
  settleMs: number;
  /**
   * Every later request reads a transaction's writes before they are committed (SQLite's one
   * group-committing connection): a change through an intent may then answer once its
   * completion is applied, not committed (see `writeWithIntent`). Off, every answer waits for
   * the commit.
   */
  answerOnceApplied?: boolean;
  /** Told of a completion whose commit failed after its write was answered (its intent settles it). */
  log?: Log;
}

/**
 * Issue 10 for `POST /me/password` and administrator resets: one outcome per write, whatever
 * crashes. The built-in directory writes the password and its completion (revocation, R28;
 * the audit event, R17a; the queued notice, R22) in one transaction; an external directory
 * gets an intent recorded before the write, closed with the completion after it, and settled
 * from the directory's own password-changed stamp when a crash or an outage left it open.
 */
export class PasswordWrites {
  constructor(private readonly deps: PasswordWriteDependencies) {}

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  /** The directory's verdict as it is; `alsoInTransaction` joins the completion's transaction. */
  async write(
    user: DirectoryAccount,
    newPassword: string,
    how: PasswordWriteKind,
    completion: WriteCompletion,
    alsoInTransaction?: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<PasswordWriteResult> {
    const { directory } = this.deps;
    let queued: ClaimedNotices | null = null;
    const completes = (how.kind === 'change' && how.prepared?.completion) || completion;
    const complete = async (trx: Transaction<Database>) => {
      await alsoInTransaction?.(trx);
      queued = await this.complete(trx, completes);
    };
    let written: PasswordWriteResult;
    let committed: Promise<unknown> | null = null;
    if (how.kind === 'change' && directory.changePasswordWith) written = await directory.changePasswordWith(user, how.currentPassword, newPassword, complete);
    else if (how.kind === 'reset' && directory.resetPasswordWith) written = await directory.resetPasswordWith(user, newPassword, { unlock: how.unlock, mustChange: how.mustChange }, complete);
    else ({ written, committed } = await this.writeWithIntent(user, newPassword, how, completes, complete));
    // The notices queued with the completion go to the relay once it is committed.
    const notices = queued;
    if (written.ok && notices) {
      if (committed) committed.then(() => this.deps.notices.sendClaimed(notices), () => {});
      else this.deps.notices.sendClaimed(notices);
    }
    return written;
  }

  private async complete(trx: Transaction<Database>, c: WriteCompletion, how?: { reconciled: true }): Promise<ClaimedNotices> {
    await revokeUserSessions(trx, this.deps.clock, c.userId);
    for (const key of c.clearThrottleKeys) await this.deps.throttles.clear(trx, key);
    await this.deps.auditLog.write(trx, how ? { ...c.audit, detail: { ...c.audit.detail, ...how } } : c.audit);
    return this.deps.notices.enqueueClaimed(trx, c.notices);
  }

  private async writeWithIntent(
    user: DirectoryAccount,
    newPassword: string,
    how: PasswordWriteKind,
    completion: WriteCompletion,
    /** `write`'s completion step, the same whichever way the password is written. */
    complete: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<{ written: PasswordWriteResult; committed: Promise<unknown> | null }> {
    const { db, directory, intents } = this.deps;
    // A change commits its intent while the directory checks the current password (or did so
    // while the account was looked up): the directory awaits it before it writes. A reset has
    // nothing to check first.
    const prepared = (how.kind === 'change' && how.prepared) || this.prepare(user, completion);
    const { intent, recording } = prepared;
    const now = intent.createdAt;
    const recorded = async () => {
      const failed = await recording;
      if (failed) throw failed.error;
    };
    if (how.kind === 'reset') await recorded();
    let written: PasswordWriteResult;
    try {
      written = how.kind === 'change' ? await directory.changePassword(user, how.currentPassword, newPassword, recorded, how.early) : await directory.resetPassword(user, newPassword, how);
    } catch (err) {
      // No intent, no write: the directory writes only once it is recorded.
      if (await recording) throw err;
      // The write may still have landed: ask the directory before telling the caller it failed.
      // Not seen yet, the intent stays open: a write held back can land later (reconciled then).
      if ((await this.reconcile(intent, { dropIfNotApplied: false }).catch(() => 'open' as const)) === 'completed') return { written: { ok: true, changedAt: new Date(now) }, committed: null };
      throw err;
    }
    if (!written.ok) {
      // Refused before writing (a wrong current password, say): the intent may still be committing.
      if (!(await recording)) await intents.drop(db, intent.id);
      return { written, committed: null };
    }
    let applied!: () => void;
    const isApplied = new Promise<void>((resolve) => (applied = resolve));
    const committed = db.transaction().execute(async (trx) => {
      if (await intents.drop(trx, intent.id)) await complete(trx);
      applied();
    });
    // A user's change: the intent, committed before the write, settles the completion if its
    // commit is lost (a crash, the store failing), reconciled from the directory's
    // password-changed stamp, which a change moves on (no stamp before, no early answer).
    // Until the commit, every later request reads the completion (the old sign-ins already
    // ended), so the answer need not wait for it (issue 12). A reset waits: one that makes
    // the user change at next logon leaves Active Directory's pwdLastSet at 0, which tells
    // the reconciliation nothing.
    if (!this.deps.answerOnceApplied || how.kind !== 'change' || !prepared.account.password.lastChangedAt) {
      await committed;
      return { written, committed: null };
    }
    await Promise.race([isApplied, committed]);
    committed.catch((e: unknown) => this.deps.log?.warn({ err: (e as Error).message, intent: intent.id }, 'password write answered; its completion did not commit, the reconciliation completes it'));
    return { written, committed };
  }

  /**
   * Seals `completion` for a write to `account` (its password's last change as the intent's
   * `changedBefore`) and starts recording it; a change may do so before its look-up answers.
   */
  prepare(account: SeenAccount, completion: WriteCompletion): PreparedIntent {
    const now = this.now();
    const sealed: SealedCompletion = { ...completion, changedBefore: account.password.lastChangedAt?.getTime() ?? null };
    const intent: PasswordWriteIntent = { id: newId(), userId: account.id, sealed: this.deps.secretBox.sealJson(sealed), createdAt: now, settleAfter: now + this.deps.settleMs };
    const recording = this.deps.intents.record(intent).then(
      () => null,
      (e: unknown) => ({ error: e }),
    );
    // While the intent commits: the completion's transaction then only inserts them.
    this.deps.notices.sealAhead(completion.notices);
    return { account, completion, intent, recording };
  }

  /**
   * A prepared intent no write will follow: dropped once recorded. Throws when it could not
   * be (the store is down): whoever writes next must not, or reconciliation could mistake
   * that write for this one.
   */
  async discard(prepared: PreparedIntent): Promise<void> {
    if (!(await prepared.recording)) await this.deps.intents.drop(this.deps.db, prepared.intent.id);
  }

  /** One intent against the directory's own record; an unreachable directory leaves it open. */
  private async reconcile(intent: PasswordWriteIntent, o: { dropIfNotApplied: boolean }): Promise<'completed' | 'not-applied' | 'open'> {
    const { db, directory, intents, secretBox } = this.deps;
    const user = await directory.findAccountById(intent.userId).catch((err: unknown) => {
      if (err instanceof DirectoryUnavailableError) return undefined;
      throw err;
    });
    if (user === undefined) {
      if (!o.dropIfNotApplied || this.now() < intent.createdAt + INTENT_KEEP_MS) return 'open';
      await intents.drop(db, intent.id);
      return 'not-applied';
    }
    const c = secretBox.openJson<SealedCompletion>(intent.sealed);
    // The directory's own stamps compared, not our clock (no skew).
    const changed = user?.password.lastChangedAt?.getTime() ?? null;
    if (user && changed !== null && (c.changedBefore === null || changed > c.changedBefore)) {
      const queued = await db.transaction().execute(async (trx) => ((await intents.drop(trx, intent.id)) ? this.complete(trx, c, { reconciled: true }) : null));
      if (queued) this.deps.notices.sendClaimed(queued);
      return 'completed';
    }
    if (!o.dropIfNotApplied) return 'open';
    await intents.drop(db, intent.id);
    return 'not-applied';
  }

  /** Intents a crash or an outage left open (start-up, then periodically). */
  async reconcileOpenIntents(): Promise<{ completed: number; notApplied: number; open: number }> {
    const counts = { completed: 0, notApplied: 0, open: 0 };
    for (const intent of await this.deps.intents.due(this.now(), 500)) {
      const outcome = await this.reconcile(intent, { dropIfNotApplied: true });
      if (outcome === 'completed') counts.completed++;
      else if (outcome === 'not-applied') counts.notApplied++;
      else counts.open++;
    }
    return counts;
  }
}
