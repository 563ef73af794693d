import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/api/policy.js';
import { composeReminder, sendExpiryReminders, type ExpiryReminderDeps } from '../../src-server/notify/expiry-reminders.js';
import { SmtpMailer } from '../../src-server/notify/mailer.js';
import { ReminderClaims } from '../../src-server/store/reminder-claims.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

const DAY = 86_400_000;
const NOW = '2026-04-01T06:00:00Z';

describe('expiry reminders by email (R36)', () => {
  it('R36, R20: the reminder is localised, branded and says how to change the password', () => {
    const account = { displayName: '山田 花子', username: 'hanako', expiresAt: new Date('2026-04-08T05:00:00Z') };
    const branding = { ...DEFAULT_POLICY.branding, organizationName: '株式会社サンプル', contactAdmin: 'helpdesk@corp.example' };
    const ja = composeReminder(account, 7, branding, 'ja');
    expect(ja.subject).toBe('[株式会社サンプル] パスワードの有効期限まであと 7 日です');
    expect(ja.text).toContain('「パスワードの変更」');
    expect(ja.text).toContain('helpdesk@corp.example');
    const en = composeReminder(account, 1, DEFAULT_POLICY.branding, 'en');
    expect(en.subject).toBe('[IT] Your password expires in 1 day');
    expect(en.text).toContain('"Change password"');
    expect(en.text).toContain('(2026-04-08 05:00 UTC)');
  });

  describe('on the built-in directory, with a real SMTP peer', () => {
    let t: TestServer;
    let deps: ExpiryReminderDeps;
    const mailsTo = (who: string) => t.smtp.mails.filter((m) => m.to && JSON.stringify(m.to).includes(`${who}@corp.example`));

    beforeAll(async () => {
      t = await startTestServer({ startAt: NOW });
      // maxAgeDays 90: a password changed (90 − d) days ago expires in d days.
      const at = (daysLeft: number) => t.clock.set(new Date(new Date(NOW).getTime() - (90 - daysLeft) * DAY - 3_600_000));
      for (const [name, days] of [['d14', 14], ['d7', 7], ['d3', 3], ['d1', 1], ['d20', 20], ['d10', 10]] as const) {
        at(days);
        await t.addUser({ username: name, email: `${name}@corp.example` });
      }
      at(5);
      await t.addUser({ username: 'nomail' });
      await t.addUser({ username: 'gone', email: 'gone@corp.example' });
      await t.addUser({ username: 'forever', email: 'forever@corp.example' });
      at(-2);
      await t.addUser({ username: 'expired', email: 'expired@corp.example' });
      t.clock.set(NOW);
      const { db, directory } = t.server.services;
      await db.updateTable('users').set({ disabled: 1 }).where('username', '=', 'gone').execute();
      await db.updateTable('users').set({ never_expires: 1 }).where('username', '=', 'forever').execute();
      deps = {
        policy: () => t.server.services.policy.get(),
        directory,
        claims: new ReminderClaims(db),
        mailer: new SmtpMailer(t.smtp.url, 'sspr@corp.example'),
        clock: t.clock,
        locale: 'en',
        log: { warn: () => undefined },
      };
    });
    afterAll(async () => {
      await t?.close();
    });

    it('R36: off by default; a policy without the switch stays valid', async () => {
      expect(await sendExpiryReminders(deps)).toEqual({ scanned: 0, sent: 0 });
      expect(t.smtp.mails).toHaveLength(0);
    });

    it('R36: once on, one email per user at the threshold they are in, to enabled accounts with an address, once across racing instances', async () => {
      await t.setPolicy((p) => (p.expiryReminders = { enabled: true }));
      t.server.services.policy.invalidate();
      const other = { ...deps, claims: new ReminderClaims(t.server.services.db) };
      const [a, b] = await Promise.all([sendExpiryReminders(deps), sendExpiryReminders(other)]);
      expect(a.sent + b.sent).toBe(5);
      // 14, 7, 3, 1 and 10 days (the 14-day step), and 5 days (the 7-day step) without an address.
      expect(a.scanned).toBe(6);
      for (const [who, days] of [['d14', 14], ['d7', 7], ['d3', 3], ['d1', 1], ['d10', 10]] as const) {
        expect(mailsTo(who).map((m) => m.subject)).toEqual([`[IT] Your password expires in ${days} day${days === 1 ? '' : 's'}`]);
      }
      for (const who of ['d20', 'gone', 'forever', 'expired']) expect(mailsTo(who)).toEqual([]);
      // The server's own hourly job shares the claims: nothing goes twice.
      expect(await t.server.expiryReminders.runOnce()).toEqual({ scanned: 6, sent: 0 });
    });

    it('R36: the next threshold brings the next email; a missed one is not sent late', async () => {
      t.clock.advance(4 * DAY);
      // d14 → 10 days (14 already sent), d10 → 6 (7), d7 → 3 (3), d20 → 16 (none yet).
      expect((await sendExpiryReminders(deps)).sent).toBe(2);
      expect(mailsTo('d10').map((m) => m.subject).at(-1)).toBe('[IT] Your password expires in 6 days');
      expect(mailsTo('d7').map((m) => m.subject)).toEqual(['[IT] Your password expires in 7 days', '[IT] Your password expires in 3 days']);
      expect(mailsTo('d14')).toHaveLength(1);
    });

    it('R36: a mail the relay refuses is tried again at the next run', async () => {
      t.clock.advance(4 * DAY);
      t.smtp.refuse = true;
      const refused = await sendExpiryReminders(deps);
      t.smtp.refuse = false;
      expect(refused.sent).toBe(0);
      const again = await sendExpiryReminders(deps);
      // d14 → 6 days (7), d10 → 2 (3), d20 → 12 (14).
      expect(again.sent).toBe(3);
      expect(mailsTo('d14').map((m) => m.subject).at(-1)).toBe('[IT] Your password expires in 6 days');
    });
  });
});
