import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodType } from '../../shared/api/common.js';
import { maskEmail, maskPhone } from '../../src-server/methods/masking.js';
import { startSlapd, type Slapd } from '../helpers/slapd.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * R13b on a real slapd: the decoy population is counted over every account in the tree (a
 * paged search), so the people who registered methods with us and those known only by the
 * directory's own contact data (a `mobile` attribute) both count. Unknown names then show the
 * company's own mail domains and phone countries, and the counts hold nothing personal.
 */
const PEOPLE = 24;
/** People with no method registered with us, reachable only at the directory's `mobile`. */
const CONTACT_ONLY = 4;
let slapd: Slapd;
let t: TestServer;

beforeAll(async () => {
  slapd = await startSlapd();
  for (let i = 0; i < PEOPLE + 2; i++) await slapd.addUser({ uid: `staff${i}`, cn: `Staff ${i}`, password: `Staff-${i}-Passw0rd`, mail: `staff${i}@ldap-corp.example` });
  for (let i = 0; i < CONTACT_ONLY; i++) await slapd.addUser({ uid: `field${i}`, cn: `Field ${i}`, password: `Field-${i}-Passw0rd`, mail: `field${i}@ldap-corp.example`, mobile: `+33 6120000${i}` });
  t = await startTestServer({
    startAt: new Date().toISOString(),
    env: {
      ...slapd.serverEnv(),
      SSPR_LDAP_TIMEOUT_MS: '1500',
    },
  });
  const { db, directory, methods } = t.server.services;
  for (let i = 0; i < PEOPLE + 2; i++) {
    const user = await directory.findUser(`staff${i}`);
    if (!user) throw new Error(`staff${i} not in slapd`);
    const add = (type: MethodType, hint: string, data: never) => methods.insert(db, { subjectId: user.id, type, source: 'user', verified: true, hint, data });
    // One private domain held by a single person: too rare to ever reach a stranger's decoy.
    const address = i === 0 ? 'only-me@staff0-family.example' : `staff${i}.private@mail.ldap-corp.example`;
    await add('email', maskEmail(address), { address } as never);
    // Registered later: offered after the email.
    t.clock.advance(1000);
    if (i % 2) {
      const number = `${i % 4 === 1 ? '+44' : '+81'} 90${String(10_000_000 + i)}`;
      await add('mobilePhone', maskPhone(number), { number } as never);
    }
  }
  // Two people who left: their registrations stay with us but they are gone from the directory.
  for (const uid of [`staff${PEOPLE}`, `staff${PEOPLE + 1}`]) await slapd.modify(`dn: ${slapd.userDn(uid)}\nchangetype: delete`);
}, 120_000);

afterAll(async () => {
  await t?.close();
  await slapd?.close();
});

describe('R13b: decoy population over an LDAP directory', () => {
  it('R13b: counts the people the directory holds, registered or known by its contacts only, by shape, domain and country, and nothing personal', async () => {
    const population = await t.server.decoyPopulation.runOnce();
    expect(population?.users).toBe(PEOPLE + CONTACT_ONLY);
    expect(population?.counts.profile).toEqual({ email: PEOPLE / 2, 'email|mobilePhone': PEOPLE / 2, mobilePhone: CONTACT_ONLY });
    expect(population?.counts.emailDomain).toEqual({ 'mail.ldap-corp.example': PEOPLE - 1 });
    expect(population?.counts.phoneCountry).toEqual({ '+44': PEOPLE / 4, '+81': PEOPLE / 4, '+33': CONTACT_ONLY });
    const stored = JSON.stringify(population);
    expect(stored).not.toMatch(/staff|field|only-me|family|901000|6120000/);
  });

  it('R13b: unknown names show the population\'s domains and countries, each the same every time', async () => {
    await t.server.decoyPopulation.runOnce();
    const seen = new Set<string>();
    // Enough names that a value held by 4 of 28 people shows (missing by chance: below 1e-4).
    for (let i = 0; i < 60; i++) {
      const r = await t.api('POST', '/reset/sessions', { body: { username: `stranger${i}` } });
      expect(r.status).toBe(201);
      const again = await t.api('POST', '/reset/sessions', { body: { username: `stranger${i}` } });
      const hints = (b: { methods: Array<{ type: string; hint: string }> }) => b.methods.map((m) => `${m.type} ${m.hint}`);
      expect(hints(again.body)).toEqual(hints(r.body));
      for (const h of hints(r.body)) seen.add(h.replace(/^email .•••@/, 'email @').replace(/^(mobilePhone \+\d+).*/, '$1'));
    }
    expect([...seen].sort()).toEqual(['email @mail.ldap-corp.example', 'mobilePhone +33', 'mobilePhone +44', 'mobilePhone +81']);
  });
});
