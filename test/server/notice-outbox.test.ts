import { queryPlan } from '../helpers/query-plan.js';
import { afterEach, describe, expect, it } from 'vitest';
import { NoticeOutbox, noticeBackoffMs } from '../../src-server/notify/notice-outbox.js';
import { OutboxMailer, SmtpMailer } from '../../src-server/notify/mailer.js';
import { Outbox } from '../../src-server/notify/outbox.js';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../src-server/clock.js';
import { openStore, type Db } from '../../src-server/store/db.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { NoticeStore } from '../../src-server/store/notice-store.js';
import { SecretBox } from '../../src-server/security/secret-box.js';
import { randomBytes } from 'node:crypto';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import { migrationProvider } from '../../src-server/store/migrations.js';

/**
 * The durable outbox of R22 notices (issue 10 item 1): queued in a transaction, sent after
 * commit, retried with backoff while the relay refuses, sent once by several instances sharing
 * the store, and never kept forever.
 */

/**
 * A store, a clock and a real SMTP peer: only the outboxes a test makes run on them (a whole
 * server's own outbox would race them for the rows).
 */
interface OutboxPeers {
  db: Db;
  clock: ManualClock;
  smtp: SmtpPeer;
  close(): Promise<void>;
}

async function startOutboxPeers(): Promise<OutboxPeers> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sspr-notice-outbox-'));
  const store = await openStore(`sqlite:${path.join(dir, 'sspr.db')}`);
  const smtp = await startSmtpPeer();
  return {
    db: store.db,
    clock: new ManualClock(),
    smtp,
    async close() {
      await smtp.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let t: OutboxPeers | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const silentLog = { info: () => undefined, warn: () => undefined };
/** The outbox's default claim (60 s): a claim at birth older than this is anyone's to send. */
const CLAIM_MS = 60_000;

describe('notice outbox (R22)', () => {
  it('backoff doubles from 5 s and stops growing at 15 min', () => {
    expect([0, 1, 2, 3].map(noticeBackoffMs)).toEqual([5000, 10_000, 20_000, 40_000]);
    expect(noticeBackoffMs(30)).toBe(15 * 60_000);
  });

  it('a notice queued while the relay refuses is retried after its backoff and sent once, though four instances run at once', async () => {
    t = await startOutboxPeers();
    const { db } = t;
    const secretBox = new SecretBox(randomBytes(32));
    const instances = Array.from({ length: 4 }, () => new NoticeOutbox({ noticeStore: new NoticeStore(db), clock: t!.clock, secretBox, mailer: new SmtpMailer(t!.smtp.url, 'sspr@corp.example', 2000), log: silentLog }));
    const messages = Array.from({ length: 10 }, (_, i) => ({ to: `n${i}@corp.example`, subject: `notice ${i}`, text: 'Your password was reset.' }));
    // Queued by an instance that died before sending: its claim lapses, and any poll takes them.
    await db.transaction().execute((trx) => instances[0]!.enqueueClaimed(trx, messages));
    t.clock.advance(CLAIM_MS + 1);

    t.smtp.refuse = true;
    const refused = await instances[0]!.deliverDue();
    expect(refused).toMatchObject({ sent: 0, failed: 10 });
    // Not due again before its backoff.
    t.smtp.refuse = false;
    expect(await instances[1]!.deliverDue()).toMatchObject({ sent: 0, failed: 0 });

    t.clock.advance(noticeBackoffMs(0) + 1);
    const runs = await Promise.all(instances.map((o) => o.deliverDue()));
    expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(10);
    const subjects = t.smtp.mails.map((m) => m.subject).sort();
    expect(subjects).toEqual(messages.map((m) => m.subject).sort());
    for (const o of instances) await o.stop();
  });

  it('notices sealed ahead are queued as sealed then: the transaction seals nothing, and they are sent as written', async () => {
    t = await startOutboxPeers();
    const { db } = t;
    const secretBox = new SecretBox(randomBytes(32));
    let seals = 0;
    const counting = Object.assign(Object.create(secretBox) as SecretBox, { sealJson: (value: unknown) => (seals++, secretBox.sealJson(value)) });
    const outbox = new NoticeOutbox({ noticeStore: new NoticeStore(db), clock: t.clock, secretBox: counting, mailer: new SmtpMailer(t.smtp.url, 'sspr@corp.example', 2000), log: silentLog });
    const ahead = [{ to: 'ahead@corp.example', subject: 'sealed ahead', text: 'a' }];
    outbox.sealAhead(ahead);
    expect(seals).toBe(1);
    const late = { to: 'late@corp.example', subject: 'sealed in the transaction', text: 'b' };
    const claimed = await db.transaction().execute((trx) => outbox.enqueueClaimed(trx, [...ahead, late]));
    expect(seals).toBe(2);
    const stored = await db.selectFrom('notices').select('payload').execute();
    expect(stored.map((r) => secretBox.openJson<{ subject: string }>(r.payload).subject).sort()).toEqual(['sealed ahead', 'sealed in the transaction']);
    outbox.sendClaimed(claimed);
    expect((await t.smtp.waitFor('ahead@corp.example')).subject).toBe('sealed ahead');
    expect((await t.smtp.waitFor('late@corp.example')).subject).toBe('sealed in the transaction');
    await outbox.stop();
  });

  it('nothing stays forever: a notice unsent for a day is given up and removed', async () => {
    t = await startOutboxPeers();
    const { db } = t;
    const outbox = new NoticeOutbox({ noticeStore: new NoticeStore(db), clock: t.clock, secretBox: new SecretBox(randomBytes(32)), mailer: new SmtpMailer(t.smtp.url, 'sspr@corp.example', 2000), log: silentLog });
    await db.transaction().execute((trx) => outbox.enqueueClaimed(trx, [{ to: 'a@corp.example', subject: 'a', text: 'a' }]));
    t.clock.advance(CLAIM_MS + 1);
    t.smtp.refuse = true;
    await outbox.deliverDue();
    t.clock.advance(24 * 3_600_000 + 1);
    expect(await outbox.deliverDue()).toMatchObject({ givenUp: 1 });
    expect(await db.selectFrom('notices').select('id').execute()).toEqual([]);
  });

  it('a notice claimed at birth is sent from memory after its commit, with no later claim; one whose instance died first is sent by another once the claim lapses (issue 12)', async () => {
    t = await startOutboxPeers();
    const { db } = t;
    const secretBox = new SecretBox(randomBytes(32));
    const outbox = () => new NoticeOutbox({ noticeStore: new NoticeStore(db), clock: t!.clock, secretBox, mailer: new SmtpMailer(t!.smtp.url, 'sspr@corp.example', 2000), log: silentLog, claimMs: 30_000 });
    const [a, b] = [outbox(), outbox()];
    const sent = await db.transaction().execute((trx) => a.enqueueClaimed(trx, [{ to: 'a@corp.example', subject: 'claimed', text: 'a' }]));
    // Claimed by `a`: another instance leaves it alone.
    expect(await b.deliverDue()).toMatchObject({ sent: 0 });
    a.sendClaimed(sent);
    await a.stop();
    expect(t.smtp.mails.map((m) => m.subject)).toEqual(['claimed']);
    // Sent: nothing of it is kept (its sealed addresses included).
    expect(await db.selectFrom('notices').select('id').execute()).toEqual([]);

    // Queued, then the instance died before sending: nothing is lost.
    await db.transaction().execute((trx) => a.enqueueClaimed(trx, [{ to: 'b@corp.example', subject: 'orphan', text: 'b' }]));
    expect(await b.deliverDue()).toMatchObject({ sent: 0 });
    t.clock.advance(30_001);
    expect(await b.deliverDue()).toMatchObject({ sent: 1 });
    expect(t.smtp.mails.map((m) => m.subject)).toEqual(['claimed', 'orphan']);
  });

  it('a claimed notice is handed over from the next turn of the event loop, after the answer that made it true has gone out; stop() still waits for it (issue 12)', async () => {
    t = await startOutboxPeers();
    const { db } = t;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-notice-turn-'));
    const outboxFile = new Outbox(dataDir);
    const outbox = new NoticeOutbox({ noticeStore: new NoticeStore(db), clock: t.clock, secretBox: new SecretBox(randomBytes(32)), mailer: new OutboxMailer(outboxFile, t.clock), log: silentLog });
    try {
      const claimed = await db.transaction().execute((trx) => outbox.enqueueClaimed(trx, [{ to: 'turn@corp.example', subject: 'changed', text: 'c' }]));
      outbox.sendClaimed(claimed);
      // The local outbox appends synchronously: nothing written yet means nothing ran in this turn.
      expect(existsSync(outboxFile.file)).toBe(false);
      await outbox.stop();
      expect(readFileSync(outboxFile.file, 'utf8')).toContain('turn@corp.example');
      expect(await db.selectFrom('notices').select('id').execute()).toEqual([]);
    } finally {
      outboxFile.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('notices handed over one after another are deleted together, in one transaction, soon after; until then they stay claimed, so no other instance sends them again (issue 12)', async () => {
    t = await startOutboxPeers();
    const { db } = t;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-notice-drop-'));
    const outboxFile = new Outbox(dataDir);
    /** Records each deletion of sent notices: how many rows it took. */
    class CountingNoticeStore extends NoticeStore {
      readonly drops: number[] = [];
      override async dropSent(rows: Parameters<NoticeStore['dropSent']>[0]): Promise<void> {
        this.drops.push(rows.length);
        await super.dropSent(rows);
      }
    }
    const store = new CountingNoticeStore(db);
    const secretBox = new SecretBox(randomBytes(32));
    const outbox = new NoticeOutbox({ noticeStore: store, clock: t.clock, secretBox, mailer: new OutboxMailer(outboxFile, t.clock), log: silentLog });
    const other = new NoticeOutbox({ noticeStore: new NoticeStore(db), clock: t.clock, secretBox, mailer: new SmtpMailer(t.smtp.url, 'sspr@corp.example', 2000), log: silentLog });
    try {
      for (let i = 0; i < 5; i++) outbox.sendClaimed(await db.transaction().execute((trx) => outbox.enqueueClaimed(trx, [{ to: `n${i}@corp.example`, subject: `changed ${i}`, text: 'c' }])));
      await expect.poll(() => (existsSync(outboxFile.file) ? readFileSync(outboxFile.file, 'utf8').split('\n').filter(Boolean).length : 0)).toBe(5);
      // Handed over, not yet deleted: still this instance's claim.
      expect(await other.deliverDue()).toMatchObject({ sent: 0 });
      await expect.poll(async () => (await db.selectFrom('notices').select('id').execute()).length, { timeout: 5000 }).toBe(0);
      expect(store.drops).toEqual([5]);
      expect(t.smtp.mails).toEqual([]);
      // stop() deletes what was handed over without waiting for the delay.
      outbox.sendClaimed(await db.transaction().execute((trx) => outbox.enqueueClaimed(trx, [{ to: 'last@corp.example', subject: 'last', text: 'c' }])));
      await outbox.stop();
      expect(await db.selectFrom('notices').select('id').execute()).toEqual([]);
      expect(store.drops).toEqual([5, 1]);
    } finally {
      await other.stop();
      outboxFile.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('due notices are found in next-attempt order on an index; the purge and the read-back of a claim scan only the notices still waiting, as a sent one is deleted (issue 12)', async () => {
    t = await startOutboxPeers();
    const { db } = t;
    expect(await queryPlan(db, 'select id from notices where next_attempt_at <= 1 order by next_attempt_at limit 20')).toMatch(/USING (COVERING )?INDEX notices_due/);
  });

  it('an existing store loses the notices already sent and keeps the unsent ones when it migrates to deleting on send (issue 12)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sspr-notice-migration-'));
    const db = new Kysely<any>({ dialect: new SqliteDialect({ database: new SqliteDatabase(path.join(dir, 'sspr.db')) }) });
    try {
      const migrator = new Migrator({ db, provider: migrationProvider('sqlite') });
      expect((await migrator.migrateTo('012_notice_indexes')).error).toBeUndefined();
      const row = { kind: 'mail', payload: 'v1.sealed', created_at: 1, next_attempt_at: 1, attempts: 0, claimed_by: null, claimed_until: null, expires_at: 99 };
      await db.insertInto('notices').values([{ ...row, id: 'sent', sent_at: 5 }, { ...row, id: 'unsent', sent_at: null }]).execute();
      expect((await migrator.migrateToLatest()).error).toBeUndefined();
      expect(await db.selectFrom('notices').selectAll().execute()).toEqual([{ ...row, id: 'unsent' }]);
    } finally {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
