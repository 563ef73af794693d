import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/api/policy.js';
import { composeDigest, digestWindow, sendDueDigest } from '../../src-server/reports/digest.js';
import { CoverageTracker } from '../../src-server/reports/coverage.js';
import { AuditEventStore } from '../../src-server/store/audit-event-store.js';
import { CoverageFingerprint } from '../../src-server/store/coverage-fingerprint.js';
import { DigestClaims } from '../../src-server/store/digest-claims.js';
import { ActivitySummary } from '../../src-server/reports/summary.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

describe('daily digest to administrators', () => {
  it('covers the 24 hours up to the latest send hour (UTC); its key names it once', () => {
    expect(digestWindow(new Date('2026-03-10T08:30:00Z'), 7)).toEqual({ from: new Date('2026-03-09T07:00:00Z'), to: new Date('2026-03-10T07:00:00Z'), key: 'digest:2026-03-10T07' });
    expect(digestWindow(new Date('2026-03-10T06:59:59Z'), 7).key).toBe('digest:2026-03-09T07');
    expect(digestWindow(new Date('2026-03-10T00:00:00Z'), 0).to).toEqual(new Date('2026-03-10T00:00:00Z'));
  });

  it('R20: is branded and localised', () => {
    const summary = {
      from: '', to: '', resetsPerDay: [], resets: { started: 4, succeeded: 3, successRate: 0.75 },
      methods: [{ method: 'mobilePhone', verifications: 4, succeeded: 3 }], lockouts: 1,
      topFailureReasons: [{ type: 'reset.verify', reason: 'invalidCode', count: 1 }],
    };
    const window = { from: new Date('2026-03-09T07:00:00Z'), to: new Date('2026-03-10T07:00:00Z') };
    const branding = { ...DEFAULT_POLICY.branding, organizationName: '株式会社サンプル' };
    const ja = composeDigest(summary, { inScope: 10, registered: 8, coverage: 0.8 }, window, branding, 'ja');
    expect(ja.subject).toBe('[株式会社サンプル] パスワード リセット日次レポート');
    expect(ja.text).toContain('リセット開始: 4　成功: 3　成功率: 75.0%');
    expect(ja.text).toContain('登録率: 80.0%（対象 10 人中 8 人）');
    const en = composeDigest(summary, null, window, DEFAULT_POLICY.branding, 'en');
    expect(en.subject).toBe('[IT] Password reset daily report');
    expect(en.text).toContain('(2026-03-09 07:00 – 2026-03-10 07:00 UTC)');
    expect(en.text).toContain('Lockouts: 1');
    expect(en.text).toContain('  reset.verify invalidCode: 1');
    expect(en.text).toContain('Registration coverage: not available');
  });

  describe('in the real server with a real SMTP peer', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer({ startAt: '2026-03-09T10:00:00Z' });
      await t.addUser({ username: 'boss', isAdmin: true, email: 'boss@corp.example' });
      await t.addUser({ username: 'deputy', isAdmin: true, email: 'deputy@corp.example' });
      await t.addUser({ username: 'nomail-admin', isAdmin: true });
      await t.addUser({ username: 'staff', email: 'staff@corp.example' });
      const { audit, db } = t.server.services;
      for (const e of [{ type: 'reset.started' }, { type: 'reset.password' }, { type: 'reset.started' }] as const) await audit.write(db, { ...e, user: 'staff', result: 'success' });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('is off by default, and a policy without it stays valid', async () => {
      t.clock.set('2026-03-10T07:05:00Z');
      expect(await t.server.adminDigest.runOnce()).toBe(0);
      const doc = (await t.api('GET', '/admin/policy', { token: t.adminToken })).body;
      expect(doc.adminDigest).toBeUndefined();
      expect((await t.api('PUT', '/admin/policy', { token: t.adminToken, body: doc })).status).toBe(200);
      const bad = await t.api('PUT', '/admin/policy', { token: t.adminToken, body: { ...doc, adminDigest: { enabled: true, hourUtc: 24 } } });
      expect(bad.status).toBe(400);
    });

    it('R17b: when on, the digest goes once to every administrator with an address — even with two servers racing', async () => {
      const doc = (await t.api('GET', '/admin/policy', { token: t.adminToken })).body;
      expect((await t.api('PUT', '/admin/policy', { token: t.adminToken, body: { ...doc, adminDigest: { enabled: true, hourUtc: 7 } } })).status).toBe(200);
      t.server.services.policy.invalidate();
      const s = t.server.services;
      // Two instances at once: the claim in the store lets exactly one send.
      const instance = () => ({
        clock: s.clock, digestClaims: new DigestClaims(s.db), directory: s.directory, log: s.log, mailer: s.mailer, policyStore: s.policy, locale: s.config.defaultLocale,
        activitySummary: new ActivitySummary(new AuditEventStore(s.store), s.clock),
        coverage: new CoverageTracker({ clock: s.clock, coverageFingerprint: new CoverageFingerprint(s.db), directory: s.directory, methodStore: s.methods, policyStore: s.policy }),
      });
      const sent = await Promise.all([sendDueDigest(instance()), sendDueDigest(instance())]);
      expect(sent.sort()).toEqual([0, 2]);
      const mail = await t.smtp.waitFor('boss@corp.example');
      await t.smtp.waitFor('deputy@corp.example');
      expect(mail.subject).toBe('[IT] Password reset daily report');
      expect(mail.text).toContain('Resets started: 2   succeeded: 1   success rate: 50.0%');
      expect(mail.text).toContain('(2026-03-09 07:00 – 2026-03-10 07:00 UTC)');
      expect(t.smtp.mails.filter((m) => m.subject?.includes('daily report'))).toHaveLength(2);
      t.clock.advanceHours(1);
      expect(await t.server.adminDigest.runOnce()).toBe(0);
      t.clock.set('2026-03-11T07:00:00Z');
      expect(await t.server.adminDigest.runOnce()).toBe(2);
      expect(t.smtp.mails.filter((m) => m.subject?.includes('daily report'))).toHaveLength(4);
    });

    it('does not send a stale digest after the server was down most of a day', async () => {
      t.clock.set('2026-03-13T06:30:00Z');
      expect(await t.server.adminDigest.runOnce()).toBe(0);
      t.clock.set('2026-03-13T07:00:00Z');
      expect(await t.server.adminDigest.runOnce()).toBe(2);
    });
  });
});
