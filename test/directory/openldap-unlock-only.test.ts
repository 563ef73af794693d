import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseGeneralizedTime } from '../../src-server/directory/ldap/values.js';
import { startSlapd, type Slapd } from '../helpers/slapd.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { methodOf, passEmailGate, startReset } from '../helpers/reset-helpers.js';

/** R37 on a real slapd: the unlock removes pwdAccountLockedTime and leaves the password alone. */
let slapd: Slapd;
let t: TestServer;
const PW = 'Sato-First-Passw0rd';

beforeAll(async () => {
  slapd = await startSlapd();
  await slapd.addUser({ uid: 'sato', cn: 'Hanako Sato', password: PW, mail: 'sato@corp.example', otherMailbox: 'sato.home@mail.example' });
  t = await startTestServer({
    startAt: new Date().toISOString(),
    env: { ...slapd.serverEnv(), SSPR_LDAP_TIMEOUT_MS: '1500' },
  });
  await t.setPolicy((p) => (p.sspr.unlockOnly = true));
}, 60_000);

afterAll(async () => {
  await t?.close();
  await slapd?.close();
});

describe('OpenLDAP: unlock without a new password (R37)', () => {
  it('R37: a ppolicy lockout (pwdAccountLockedTime) is lifted; the same password binds again', async () => {
    for (let i = 0; i < 6; i++) await slapd.canBind(slapd.userDn('sato'), `wrong-${i}`);
    expect((await slapd.read(slapd.userDn('sato'), ['pwdAccountLockedTime'])).pwdAccountLockedTime).toHaveLength(1);
    expect(await slapd.canBind(slapd.userDn('sato'), PW)).toBe(false);

    // ppolicy keeps a pwdFailureTime per wrong bind: the newest is the one the done screen names.
    const failures = (await slapd.read(slapd.userDn('sato'), ['pwdFailureTime'])).pwdFailureTime ?? [];
    expect(failures.length).toBeGreaterThan(0);
    const newest = parseGeneralizedTime([...failures].sort().at(-1)!)!.toISOString();

    const s = await startReset(t, 'sato');
    expect((await t.api('GET', '/reset/session', { token: s.sessionToken })).body).not.toHaveProperty('lastFailedSignInAt');
    const gate = await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), 'sato.home@mail.example');
    expect(gate.body.session).toMatchObject({ state: 'ready', accountLocked: true, lastFailedSignInAt: newest });
    expect((await t.api('GET', '/reset/session', { token: s.sessionToken })).body).toMatchObject({ state: 'ready', accountLocked: true, lastFailedSignInAt: newest });
    const r = await t.api('POST', '/reset/session/unlock', { token: s.sessionToken });
    expect(r.status, JSON.stringify(r.body)).toBe(200);

    expect((await slapd.read(slapd.userDn('sato'), ['pwdAccountLockedTime'])).pwdAccountLockedTime ?? []).toEqual([]);
    expect(await slapd.canBind(slapd.userDn('sato'), PW)).toBe(true);
  });

  it('R37: an account without wrong binds is not locked and has no last failed sign-in', async () => {
    await slapd.addUser({ uid: 'kato', cn: 'Jun Kato', password: PW, mail: 'kato@corp.example', otherMailbox: 'kato.home@mail.example' });
    const s = await startReset(t, 'kato');
    const gate = await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), 'kato.home@mail.example');
    expect(gate.body.session).toMatchObject({ state: 'ready', accountLocked: false, lastFailedSignInAt: null });
  });
});
