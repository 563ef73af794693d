import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-server/clock.js';
import type { ExpiringAccount } from '../../src-server/directory/directory.js';
import { createLdapDirectory } from '../../src-server/directory/ldap/create-ldap-directory.js';
import type { LdapDirectory } from '../../src-server/directory/ldap/ldap-directory.js';
import { addPolicy, startSlapd, type Slapd } from '../helpers/slapd.js';
import { startTestServer } from '../helpers/test-server.js';

/**
 * R36 on a real slapd: the "expiring soon" query is a paged search narrowed by
 * pwdChangedTime (set here as root with the relax control, as a backdated change would be).
 */
const DAY = 86_400_000;
let slapd: Slapd;
let dir: LdapDirectory;
const clock = new ManualClock(new Date());
const generalized = (ms: number) => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';

/** Makes `uid`'s password (90-day default policy) expire in `days` days, an hour early. */
async function expiresIn(uid: string, days: number) {
  const changed = clock.now().getTime() - (90 - days) * DAY - 3_600_000;
  await slapd.modify(`dn: ${slapd.userDn(uid)}\nchangetype: modify\nreplace: pwdChangedTime\npwdChangedTime: ${generalized(changed)}`, { relax: true });
}

beforeAll(async () => {
  slapd = await startSlapd();
  const users: Array<[string, number]> = [['e14', 14], ['e7', 7], ['e3', 3], ['e1', 1], ['e20', 20], ['gone', -2], ['adminlocked', 5], ['mustchange', 4], ['tenday', 5]];
  const tenDays = await addPolicy(slapd, 'ten-days', { pwdMaxAge: 10 * 86400 });
  for (const [uid] of users) {
    await slapd.addUser({ uid, cn: `User ${uid}`, password: `${uid}-Passw0rd-1`, mail: `${uid}@corp.example`, ...(uid === 'tenday' ? { policy: tenDays } : {}) });
  }
  for (const [uid, days] of users) await expiresIn(uid, days);
  await slapd.modify(`dn: ${slapd.userDn('adminlocked')}\nchangetype: modify\nreplace: pwdAccountLockedTime\npwdAccountLockedTime: 000001010000Z`);
  await slapd.modify(`dn: ${slapd.userDn('mustchange')}\nchangetype: modify\nreplace: pwdReset\npwdReset: TRUE`);
  // RFC 2798 preferredLanguage: e3 reads Japanese, e1 prefers a language the product lacks, then English.
  await slapd.modify(`dn: ${slapd.userDn('e3')}\nchangetype: modify\nreplace: preferredLanguage\npreferredLanguage: ja-JP`);
  await slapd.modify(`dn: ${slapd.userDn('e1')}\nchangetype: modify\nreplace: preferredLanguage\npreferredLanguage: fr, en;q=0.5`);
  dir = await createLdapDirectory(
    { url: slapd.url, bindDn: slapd.serviceDn, bindPassword: slapd.servicePassword, baseDn: slapd.baseDn, startTls: false, alternateEmailAttribute: 'otherMailbox', timeoutMs: 1500, poolSize: 2, policyCacheMs: 0 },
    clock,
    { warn: () => undefined },
  );
}, 60_000);

afterAll(async () => {
  await dir?.close();
  await slapd?.close();
});

describe('OpenLDAP: passwords expiring soon (R36)', () => {
  it('R36: a paged query finds exactly the enabled accounts expiring within the window, with their expiry', async () => {
    const pages: ExpiringAccount[][] = [];
    const now = clock.now();
    await dir.forEachExpiring({ from: now, to: new Date(now.getTime() + 14 * DAY), maxAgeDays: 0 }, 2, async (page) => void pages.push(page));
    const found = pages.flat();
    expect(found.map((a) => a.username).sort()).toEqual(['e1', 'e14', 'e3', 'e7']);
    // At most a page at a time: the directory is never read whole.
    expect(pages.every((p) => p.length <= 2)).toBe(true);
    expect(pages.length).toBeGreaterThan(1);
    const e7 = found.find((a) => a.username === 'e7')!;
    expect(e7).toMatchObject({ displayName: 'User e7', email: 'e7@corp.example' });
    expect(e7.expiresAt.getTime()).toBeCloseTo(now.getTime() + 7 * DAY - 3_600_000, -4);
    expect(e7.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('R36: a scan whose pages take long to handle (a slow relay) runs to its end, past the directory timeout of one operation', async () => {
    const now = clock.now();
    const found: string[] = [];
    const began = Date.now();
    // Four pages of one, each handled for 600 ms: 2.4 s in all, against a 1.5 s operation timeout.
    await dir.forEachExpiring({ from: now, to: new Date(now.getTime() + 14 * DAY), maxAgeDays: 0 }, 1, async (page) => {
      found.push(...page.map((a) => a.username));
      await new Promise((r) => setTimeout(r, 600));
    });
    expect(Date.now() - began).toBeGreaterThan(1500);
    expect(found.sort()).toEqual(['e1', 'e14', 'e3', 'e7']);
  });

  it('R36: the server\'s job sends one reminder per user at each threshold, in the language the directory records for the user (else the default)', async () => {
    const t = await startTestServer({
      startAt: clock.now().toISOString(),
      env: { ...slapd.serverEnv(), SSPR_LDAP_TIMEOUT_MS: '1500', SSPR_LOCALE: 'en' },
    });
    try {
      await t.setPolicy((p) => (p.expiryReminders = { enabled: true }));
      t.server.services.policy.invalidate();
      expect(await t.server.expiryReminders.runOnce()).toEqual({ scanned: 4, sent: 4 });
      const subjects = (uid: string) => t.smtp.mails.filter((m) => JSON.stringify(m.to).includes(`${uid}@corp.example`)).map((m) => m.subject);
      expect(subjects('e14')).toEqual(['[IT] Your password expires in 14 days']);
      expect(subjects('e7')).toEqual(['[IT] Your password expires in 7 days']);
      expect(subjects('e3')).toEqual(['[IT 部門] パスワードの有効期限まであと 3 日です']);
      expect(subjects('e1')).toEqual(['[IT] Your password expires in 1 day']);
      for (const uid of ['e20', 'gone', 'adminlocked', 'mustchange']) expect(subjects(uid)).toEqual([]);
      expect(await t.server.expiryReminders.runOnce()).toEqual({ scanned: 4, sent: 0 });
    } finally {
      await t.close();
    }
  });

  it('R36: a narrower window finds fewer; with no pwdMaxAge nothing expires', async () => {
    const now = clock.now();
    const found: string[] = [];
    await dir.forEachExpiring({ from: now, to: new Date(now.getTime() + 3 * DAY), maxAgeDays: 0 }, 100, async (page) => void found.push(...page.map((a) => a.username)));
    expect(found.sort()).toEqual(['e1', 'e3']);
    await slapd.setPolicy({ pwdMaxAge: 0 });
    let calls = 0;
    await dir.forEachExpiring({ from: now, to: new Date(now.getTime() + 14 * DAY), maxAgeDays: 90 }, 100, async () => void calls++);
    expect(calls).toBe(0);
  });
});
