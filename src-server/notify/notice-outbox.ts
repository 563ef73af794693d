import type { Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { Log } from '../log.js';
import type { SecretBox } from '../security/secret-box.js';
import { newId } from '../security/tokens.js';
import type { NoticeClaim, NoticeStore } from '../store/notice-store.js';
import type { Database } from '../store/schema.js';
import type { MailMessage, Mailer } from './mailer.js';

type NoticeRow = Database['notices'];

/** A notice still unsent after this is given up (logged): no row lives forever. */
const KEEP_MS = 24 * 3_600_000;
const BATCH = 20;
const POLL_MS = 5_000;
/** Expired notices are looked for at most this often, not on every delivery (a write, so a commit). */
const PURGE_EVERY_MS = 60_000;
/**
 * Sent notices are deleted together, this long after the first of them was handed over: one
 * commit for many instead of one each (a crash in between sends them once more when their
 * claim lapses, as a crash between hand-over and delete always could).
 */
const DROP_SENT_AFTER_MS = 200;
/** ... or at once when this many wait. */
const DROP_SENT_BATCH = 64;

/** Backoff before attempt `attempts + 1`: 5 s doubling, at most 15 min. Pure. */
export function noticeBackoffMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.min(attempts, 20), 15 * 60_000);
}

interface NoticeOutboxDependencies {
  noticeStore: NoticeStore;
  clock: Clock;
  secretBox: SecretBox;
  mailer: Mailer;
  log: Log;
  /**
   * How long one instance holds a claimed notice: longer than a hand-over's deadline, short
   * enough that a crashed instance's claims are taken over soon (default 60 s).
   */
  claimMs?: number;
}

/** Notices queued already claimed by this instance: sent by `sendClaimed` after their commit. */
export interface ClaimedNotices {
  readonly items: ReadonlyArray<{ row: NoticeClaim; message: MailMessage }>;
}

interface OutboxRun {
  sent: number;
  failed: number;
  givenUp: number;
}

/**
 * The durable outbox of notices (R22): a message is queued in the transaction that makes it
 * true, so a crash can lose neither the change nor its notice; sent after commit, retried with
 * backoff. Several instances share the table: a row is claimed (claimed_by / claimed_until)
 * before it is sent, so only one sends it; a crash after the relay took it and before it was
 * deleted may send it once more when the claim lapses (at least once, never lost).
 */
export class NoticeOutbox {
  private running: Promise<OutboxRun> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private purgedAt = -Infinity;
  /** Claimed-at-birth sends in flight, awaited by `stop()`. */
  private readonly sending = new Set<Promise<void>>();
  /** Handed over, not yet deleted: see DROP_SENT_AFTER_MS. */
  private sent: NoticeClaim[] = [];
  private dropTimer: NodeJS.Timeout | null = null;
  private dropping: Promise<void> = Promise.resolve();
  /** Payloads sealed before their transaction (`sealAhead`), by message. */
  private readonly sealedAhead = new WeakMap<MailMessage, string>();

  constructor(private readonly deps: NoticeOutboxDependencies) {}

  /**
   * Seals messages now that `enqueueClaimed` will queue later, so their transaction does not
   * wait for the sealing (a password write seals its notices while the directory works).
   */
  sealAhead(messages: readonly MailMessage[]): void {
    for (const message of messages) this.sealedAhead.set(message, this.deps.secretBox.sealJson(message));
  }

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  /**
   * Queues messages inside the caller's transaction (sealed, since they carry addresses),
   * claimed by this instance at birth (one insert, no later claim): after the commit
   * `sendClaimed` hands them over from memory. If this instance dies first, the claim lapses
   * and any instance's poll sends them.
   */
  async enqueueClaimed(trx: Transaction<Database>, messages: MailMessage[]): Promise<ClaimedNotices> {
    const now = this.now();
    const claimedBy = newId();
    const items: Array<ClaimedNotices['items'][number]> = [];
    for (const message of messages) {
      const payload = this.sealedAhead.get(message) ?? this.deps.secretBox.sealJson(message);
      const row: NoticeRow = { id: newId(), kind: 'mail', payload, created_at: now, next_attempt_at: now, attempts: 0, claimed_by: claimedBy, claimed_until: now + this.claimMs, expires_at: now + KEEP_MS };
      await this.deps.noticeStore.insert(trx, row);
      items.push({ row, message });
    }
    return { items };
  }

  /**
   * After the commit of `enqueueClaimed`: hands the notices to the relay in the background,
   * from the next turn of the event loop, so the answer that made them true goes out first
   * (they are durable already; the hand-over's work, the mailer's and the "sent" mark, waits).
   */
  sendClaimed(claimed: ClaimedNotices): void {
    if (!claimed.items.length) return;
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        for (const { row, message } of claimed.items) await this.send(row, message);
      })
      .catch((e: Error) => this.deps.log.warn({ err: e.message }, 'notice outbox run failed'))
      .finally(() => this.sending.delete(run));
    this.sending.add(run);
  }

  private get claimMs(): number {
    return this.deps.claimMs ?? 60_000;
  }

  /** One claimed notice to the relay: deleted once sent (soon, with others), or released for a retry after its backoff. */
  private async send(row: NoticeClaim, message: MailMessage): Promise<boolean> {
    try {
      await this.deps.mailer.send(message);
    } catch (e) {
      this.deps.log.warn({ err: (e as Error).message, attempts: row.attempts + 1 }, 'password notice not handed over; will retry');
      await this.deps.noticeStore.retryLater(row, this.now() + noticeBackoffMs(row.attempts));
      return false;
    }
    this.sent.push(row);
    if (this.sent.length >= DROP_SENT_BATCH) this.dropSent();
    else if (!this.dropTimer) this.dropTimer = setTimeout(() => this.dropSent(), DROP_SENT_AFTER_MS).unref();
    return true;
  }

  /**
   * Deletes the notices handed over so far, in one transaction. Still claimed by this
   * instance meanwhile, so no poll sends them again; if the store refuses, they stay claimed
   * and are sent once more when the claim lapses (at least once, never lost).
   */
  private dropSent(): Promise<void> {
    if (this.dropTimer) clearTimeout(this.dropTimer);
    this.dropTimer = null;
    const rows = this.sent;
    this.sent = [];
    if (rows.length) {
      this.dropping = this.dropping
        .then(() => this.deps.noticeStore.dropSent(rows))
        .catch((e: Error) => this.deps.log.warn({ err: e.message, count: rows.length }, 'sent notices not deleted; they will be sent again when their claim lapses'));
    }
    return this.dropping;
  }

  /** Sends what is due now, in the background (after a commit); a run in flight runs again. */
  private kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.deliverDue().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
    this.running.catch((e: Error) => this.deps.log.warn({ err: e.message }, 'notice outbox run failed'));
  }

  /** One pass: drop what expired, claim a batch of due notices, hand each to the relay. */
  async deliverDue(): Promise<OutboxRun> {
    const { noticeStore, log } = this.deps;
    const run: OutboxRun = { sent: 0, failed: 0, givenUp: 0 };
    const now = this.now();
    if (now - this.purgedAt >= PURGE_EVERY_MS) {
      this.purgedAt = now;
      run.givenUp = await noticeStore.dropExpired(now);
      if (run.givenUp) log.warn({ count: run.givenUp }, 'password notices given up after a day of failed hand-overs');
    }
    for (let batch = 0; batch < 50; batch++) {
      // A fresh claim token per batch; a row another instance holds is left alone.
      const claimAt = this.now();
      const claimed = await noticeStore.claimDue(newId(), claimAt, claimAt + this.claimMs, BATCH);
      if (!claimed.length) break;
      for (const row of claimed) {
        if (await this.send(row, this.deps.secretBox.openJson<MailMessage>(row.payload))) run.sent++;
        else run.failed++;
      }
      if (claimed.length < BATCH) break;
    }
    return run;
  }

  /** Polls for due notices (retries, and those a crash left) until `stop()`. */
  start(): void {
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.again = false;
    await Promise.all([this.running?.catch(() => undefined), ...this.sending]);
    await this.dropSent();
  }
}
