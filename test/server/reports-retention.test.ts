import { queryPlan } from '../helpers/query-plan.js';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AuditLog } from '../../src-server/audit/audit-log.js';
import { ManualClock } from '../../src-server/clock.js';
import { retentionCutoff, startAuditRetention } from '../../src-server/reports/retention.js';
import { AuditEventStore } from '../../src-server/store/audit-event-store.js';
import { openStore, type Store } from '../../src-server/store/db.js';
import { startPostgres, type PostgresPeer } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const DAY = 86_400_000;

describe('audit retention (R17b)', () => {
  it('R17b: the cut-off is now minus the configured days', () => {
    expect(retentionCutoff(new Date('2026-12-31T12:00:00Z'), 365).toISOString()).toBe('2025-12-31T12:00:00.000Z');
    expect(retentionCutoff(new Date('2026-01-31T00:00:00Z'), 30).toISOString()).toBe('2026-01-01T00:00:00.000Z');
  });

  describe.each(['sqlite', 'postgres'] as const)('in the real server on %s', (store) => {
    let t: TestServer;
    let pg: PostgresPeer | undefined;
    beforeAll(async () => {
      if (store === 'postgres') pg = await startPostgres();
      t = await startTestServer({ startAt: '2026-01-01T00:00:00Z', env: { SSPR_AUDIT_RETENTION_DAYS: '30', ...(pg ? { SSPR_DATABASE_URL: pg.url } : {}) } });
    });
    afterAll(async () => {
      await t?.close();
      pg?.stop();
    });

    it('R17b: keeps events as long as configured (SSPR_AUDIT_RETENTION_DAYS), then purges only older ones', async () => {
      const { audit, db } = t.server.services;
      for (let day = 0; day < 40; day++) {
        await audit.write(db, { type: 'reset.started', user: `day${day}`, result: 'success' });
        t.clock.advanceDays(1);
      }
      // now = 2026-02-10: events of 2026-01-01 … 2026-01-10 are more than 30 days old.
      expect(await t.server.auditRetention.runOnce()).toBe(10);
      const left = (await t.api('GET', '/admin/reports/activity?sort=asc&limit=1000', { token: t.adminToken })).body.events;
      expect(left).toHaveLength(30);
      expect(left[0].user).toBe('day10');
      expect(await t.server.auditRetention.runOnce()).toBe(0);
      t.clock.advanceDays(5);
      expect(await t.server.auditRetention.runOnce()).toBe(5);
    });
  });

  describe('the daily timer', () => {
    let store: Store;
    beforeAll(async () => {
      store = await openStore('sqlite::memory:');
    });
    afterAll(async () => {
      await store.close();
      vi.useRealTimers();
    });

    it('R17b: purges shortly after start and then every day, until stopped', async () => {
      vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval'] });
      const clock = new ManualClock('2026-01-01T00:00:00Z');
      const auditEvents = new AuditEventStore(store);
      const audit = new AuditLog(clock, auditEvents);
      for (let i = 0; i < 5; i++) {
        await audit.write(store.db, { type: 'auth.signin', user: `u${i}`, result: 'success' });
        clock.advanceDays(1);
      }
      const count = async () => Number((await store.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const retention = startAuditRetention({ auditEvents, clock, log: pino({ level: 'silent' }), retentionDays: 3 }, { firstRunMs: 1000, intervalMs: DAY });
      await vi.advanceTimersByTimeAsync(999);
      expect(await count()).toBe(5);
      await vi.advanceTimersByTimeAsync(1);
      // now = day 5: days 0 and 1 are older than 3 days.
      await vi.waitFor(async () => expect(await count()).toBe(3));
      clock.advanceDays(1);
      await vi.advanceTimersByTimeAsync(DAY);
      await vi.waitFor(async () => expect(await count()).toBe(2));
      await retention.stop();
      clock.advanceDays(10);
      await vi.advanceTimersByTimeAsync(2 * DAY);
      expect(await count()).toBe(2);
    });

    it('purges in batches until nothing old is left', async () => {
      const rows = Array.from({ length: 1234 }, (_, i) => ({ at: i, type: 'auth.signin', category: 'activity', username: 'x', actor: null, method: null, result: 'success', client: null, detail: null }));
      await store.db.insertInto('audit_events').values(rows).execute();
      expect(await new AuditEventStore(store).purgeBefore(new Date(1000), 100)).toBe(1000);
      expect(await new AuditEventStore(store).purgeBefore(new Date(1000), 100)).toBe(0);
    });

    it('purges old events of every report, and finds the oldest left and the purge on the (category, at) index, not by a scan (issue 12)', async () => {
      await store.db.deleteFrom('audit_events').execute();
      const row = (at: number, type: string, category: string) => ({ at, type, category, username: 'x', actor: null, method: null, result: 'success', client: null, detail: null });
      await store.db.insertInto('audit_events').values([row(10, 'auth.signin', 'activity'), row(20, 'registration.method', 'registration'), row(30, 'admin.policy', 'admin'), row(5000, 'auth.signin', 'activity'), row(4000, 'admin.policy', 'admin')]).execute();
      const events = new AuditEventStore(store);
      expect(await events.oldestAt()).toBe(10);
      expect(await events.purgeBefore(new Date(1000))).toBe(3);
      expect(await events.oldestAt()).toBe(4000);
      expect(await events.purgeBefore(new Date(10_000))).toBe(2);
      expect(await events.oldestAt()).toBe(Infinity);
      expect(await queryPlan(store.db, "select min(at) from audit_events where category = 'admin'")).toMatch(/USING COVERING INDEX audit_category_at/);
      expect(await queryPlan(store.db, "select id from audit_events where category in ('activity', 'registration', 'admin') and at < 1000 limit 10")).toMatch(/USING COVERING INDEX audit_category_at \(category=\? AND at<\?\)/);
    });
  });
});
