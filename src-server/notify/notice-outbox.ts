import type { Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import type { Log } from '../log.js';
import type { SecretBox } from '../security/secret-box.js';
import { newId } from '../security/tokens.js';
import type { NoticeStore } from '../store/notice-store.js';
import type { Database } from '../store/schema.js';
import type { MailMessage, Mailer } from './mailer.js';

/** A notice still unsent after this is given up (logged): no row lives forever. */
const KEEP_MS = 24 * 3_600_000;
const BATCH = 20;
const POLL_MS = 5_000;
/** Expired notices are looked for at most this often, not on every delivery (a write, so a commit). */
const PURGE_EVERY_MS = 60_000;

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
 * marked may send it once more when the claim lapses (at least once, never lost).
 */
export class NoticeOutbox {
  private running: Promise<OutboxRun> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private purgedAt = -Infinity;

  constructor(private readonly deps: NoticeOutboxDependencies) {}

  private now(): number {
    return this.deps.clock.now().getTime();
  }

  /** Queues messages inside the caller's transaction; sealed, since they carry addresses. */
  async enqueue(trx: Transaction<Database>, messages: MailMessage[]): Promise<void> {
    const now = this.now();
    for (const m of messages) {
      await this.deps.noticeStore.insert(trx, { id: newId(), kind: 'mail', payload: this.deps.secretBox.sealJson(m), created_at: now, next_attempt_at: now, attempts: 0, claimed_by: null, claimed_until: null, sent_at: null, expires_at: now + KEEP_MS });
    }
  }

  /** Sends what is due now, in the background (after a commit); a run in flight runs again. */
  kick(): void {
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
      const expired = await noticeStore.dropExpired(now);
      run.givenUp = expired.filter((r) => r.sent_at === null).length;
      if (run.givenUp) log.warn({ count: run.givenUp }, 'password notices given up after a day of failed hand-overs');
    }
    for (let batch = 0; batch < 50; batch++) {
      // A fresh claim token per batch; a row another instance holds is left alone.
      const claimAt = this.now();
      const claimed = await noticeStore.claimDue(newId(), claimAt, claimAt + (this.deps.claimMs ?? 60_000), BATCH);
      if (!claimed.length) break;
      for (const row of claimed) {
        try {
          await this.deps.mailer.send(this.deps.secretBox.openJson<MailMessage>(row.payload));
          await noticeStore.markSent(row, this.now());
          run.sent++;
        } catch (e) {
          run.failed++;
          log.warn({ err: (e as Error).message, attempts: row.attempts + 1 }, 'password notice not handed over; will retry');
          await noticeStore.retryLater(row, this.now() + noticeBackoffMs(row.attempts));
        }
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
    await this.running?.catch(() => undefined);
  }
}
