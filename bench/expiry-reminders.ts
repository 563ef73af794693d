/**
 * `npx tsx bench/expiry-reminders.ts [users]`: the expiry-reminder job (R36) over 10,000
 * OpenLDAP users on a local slapd, password changes spread over the last 120 days (pwdMaxAge
 * 90 days), so about one in nine is inside the 14-day window. Prints the time of the paged
 * query alone, of a first run (claims + emails to a real SMTP peer), of a second run (all
 * claimed already), and the bench process's peak heap growth.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../src-server/clock.js';
import { createLdapDirectory } from '../src-server/directory/ldap/create-ldap-directory.js';
import { SmtpMailer } from '../src-server/notify/mailer.js';
import { REMINDER_PAGE_SIZE, sendExpiryReminders } from '../src-server/notify/expiry-reminders.js';
import { DEFAULT_POLICY } from '../shared/api/policy.js';
import { openStore } from '../src-server/store/db.js';
import { ReminderClaims } from '../src-server/store/reminder-claims.js';
import { startSlapd } from '../test/helpers/slapd.js';
import { startSmtpPeer } from '../test/helpers/smtp-peer.js';

const USERS = Number(process.argv[2] ?? 10_000);
const DAY = 86_400_000;
const generalized = (ms: number) => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}

async function main(): Promise<void> {
  const slapd = await startSlapd();
  const smtp = await startSmtpPeer();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-reminder-bench-'));
  const store = await openStore(`sqlite:${path.join(dataDir, 'sspr.db')}`);
  const clock = new ManualClock(new Date());
  const dir = await createLdapDirectory(
    { url: slapd.url, bindDn: slapd.serviceDn, bindPassword: slapd.servicePassword, baseDn: slapd.baseDn, startTls: false, alternateEmailAttribute: 'otherMailbox', timeoutMs: 30_000, poolSize: 4, policyCacheMs: 60_000 },
    clock,
    { warn: (_d, m) => console.warn(m) },
  );
  try {
    const uid = (i: number) => `u${String(i).padStart(5, '0')}`;
    const [, seedMs] = await timed(async () => {
      const entries = Array.from({ length: USERS }, (_, i) =>
        [`dn: ${slapd.userDn(uid(i))}`, 'objectClass: inetOrgPerson', `uid: ${uid(i)}`, `cn: User ${i}`, `sn: ${i}`, `mail: ${uid(i)}@corp.example`, `userPassword: Start-Passw0rd-${i}`].join('\n'),
      );
      await slapd.add(entries.join('\n\n'));
      const now = clock.now().getTime();
      const mods = Array.from({ length: USERS }, (_, i) => `dn: ${slapd.userDn(uid(i))}\nchangetype: modify\nreplace: pwdChangedTime\npwdChangedTime: ${generalized(now - ((i * 120) / USERS) * DAY)}`);
      await slapd.modify(mods.join('\n\n'), { relax: true });
    });
    const policy = { ...DEFAULT_POLICY, expiryReminders: { enabled: true } };
    const deps = { policy: async () => policy, directory: dir, claims: new ReminderClaims(store.db), mailer: new SmtpMailer(smtp.url, 'sspr@corp.example'), clock, locale: 'en' as const, log: { warn: (_d: Record<string, unknown>, m: string) => console.warn(m) } };

    const heap0 = process.memoryUsage().heapUsed;
    let peak = heap0;
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 5);
    const now = clock.now();
    let pages = 0;
    let found = 0;
    const [, queryMs] = await timed(() => dir.forEachExpiring({ from: now, to: new Date(now.getTime() + 14 * DAY), maxAgeDays: 90 }, REMINDER_PAGE_SIZE, async (p) => void ((pages += 1), (found += p.length))));
    const [first, firstMs] = await timed(() => sendExpiryReminders(deps));
    const [second, secondMs] = await timed(() => sendExpiryReminders(deps));
    clearInterval(sample);

    console.log(`expiry reminders over ${USERS} OpenLDAP users (seeded in ${(seedMs / 1000).toFixed(1)} s)`);
    console.log(`  paged query alone      ${queryMs.toFixed(0).padStart(6)} ms  ${found} accounts due in ${pages} page(s) of ≤ ${REMINDER_PAGE_SIZE}`);
    console.log(`  first run              ${firstMs.toFixed(0).padStart(6)} ms  scanned ${first.scanned}, sent ${first.sent} (SMTP peer received ${smtp.mails.length})`);
    console.log(`  second run (claimed)   ${secondMs.toFixed(0).padStart(6)} ms  scanned ${second.scanned}, sent ${second.sent}`);
    console.log(`  bench heap growth peak ${((peak - heap0) / 1048576).toFixed(1).padStart(6)} MB`);
  } finally {
    await dir.close();
    await store.close();
    await smtp.close();
    await slapd.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
