import { BerReader, BerWriter } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { adBindReason, adErrorCode, adWriteViolations, meetsAdComplexity, type AdWriteContext } from '../../src-server/directory/ldap/ad-errors.js';
import { PasswordPolicyControl, PolicyHintsControl, passwordModifyValue } from '../../src-server/directory/ldap/controls.js';
import { sameSeen, seenAccountOf } from '../../src-server/directory/directory.js';
import { LastSeen } from '../../src-server/directory/ldap/early-bind.js';
import { and, eq, escapeDnValue, escapeFilterValue, extensible, or } from '../../src-server/directory/ldap/escape.js';
import { ppolicyViolations } from '../../src-server/directory/ldap/ppolicy.js';
import { flavourOf } from '../../src-server/directory/ldap/root-dse.js';
import { Attrs, firstRdnValue, guidToBytes, guidToString, latest, looksLikeDn, parseFiletime, parseGeneralizedTime, parseInterval, preferredLocale, toE164 } from '../../src-server/directory/ldap/values.js';

describe('LDAP escaping', () => {
  it('RFC 4515: filter metacharacters, NUL and controls become \\XX; UTF-8 stays', () => {
    expect(escapeFilterValue('*)(uid=*')).toBe('\\2a\\29\\28uid=\\2a');
    expect(escapeFilterValue('a\\b')).toBe('a\\5cb');
    expect(escapeFilterValue('\u0000\n')).toBe('\\00\\0a');
    expect(escapeFilterValue('山田 太郎')).toBe('山田 太郎');
    expect(eq('uid', '*')).toBe('(uid=\\2a)');
    expect(and(eq('a', '1'), or(eq('b', '2'), eq('c', '3')))).toBe('(&(a=1)(|(b=2)(c=3)))');
    expect(extensible('member', '1.2.840.113556.1.4.1941', 'CN=x,DC=y')).toBe('(member:1.2.840.113556.1.4.1941:=CN=x,DC=y)');
    expect(() => eq('uid)(x', 'v')).toThrow();
    expect(() => extensible('member', '1.2)(x', 'v')).toThrow();
  });

  it('RFC 4514: DN specials, a leading space or #, a trailing space', () => {
    expect(escapeDnValue('Smith, John+x="y"<z>;\\')).toBe('Smith\\, John\\+x\\=\\"y\\"\\<z\\>\\;\\\\');
    expect(escapeDnValue(' #lead')).toBe('\\ #lead');
    expect(escapeDnValue('#x')).toBe('\\#x');
    expect(escapeDnValue('trail ')).toBe('trail\\ ');
    expect(escapeDnValue('a\u0000b')).toBe('a\\00b');
  });
});

describe('LDAP controls', () => {
  const parse = (hex: string) => {
    const c = new PasswordPolicyControl();
    c.parse(new BerReader(Buffer.from(hex, 'hex')));
    return c.response;
  };

  it('ppolicy response: error and warnings', () => {
    expect(parse('3003810108')).toEqual({ error: 'passwordInHistory' });
    expect(parse('3003810106')).toEqual({ error: 'passwordTooShort' });
    expect(parse('3003810102')).toEqual({ error: 'changeAfterReset' });
    expect(parse('3005a003810101')).toEqual({ graceAuthNsRemaining: 1 });
    expect(parse('3006a00480020e10')).toEqual({ timeBeforeExpiration: 3600 });
    expect(parse('3000')).toEqual({});
  });

  it('policy hints value is SEQUENCE { INTEGER 1 }, critical; Password Modify value is tagged [0] [1] [2]', () => {
    const w = new BerWriter();
    new PolicyHintsControl().write(w);
    const oid = Buffer.from('1.2.840.113556.1.4.2239').toString('hex');
    expect(w.buffer.toString('hex')).toBe(`30230417${oid}0101ff04053003020101`);
    expect(passwordModifyValue({ oldPassword: 'a', newPassword: 'b' }).toString('hex')).toBe('30068101618201' + '62');
    expect(passwordModifyValue({ userDn: 'x', newPassword: 'b' }).toString('hex')).toBe('30068001788201' + '62');
  });
});

describe('directory values', () => {
  it('GeneralizedTime, FILETIME, intervals', () => {
    expect(parseGeneralizedTime('20261123031125Z')?.toISOString()).toBe('2026-11-23T03:11:25.000Z');
    expect(parseGeneralizedTime('20261123031132.484662Z')?.toISOString()).toBe('2026-11-23T03:11:32.485Z');
    expect(parseGeneralizedTime('garbage')).toBeNull();
    expect(parseFiletime('134398777448969260')?.toISOString()).toBe('2026-11-23T03:22:24.896Z');
    expect(parseFiletime('0')).toBeNull();
    expect(parseFiletime('9223372036854775807')).toBeNull();
    expect(parseInterval('-864000000000')).toBe(86_400_000);
    expect(parseInterval('-9223372036854775808')).toBeNull();
  });

  it('R36: preferredLanguage (RFC 2798, Accept-Language syntax) → the most preferred language the product speaks', () => {
    expect(preferredLocale('ja')).toBe('ja');
    expect(preferredLocale('ja-JP')).toBe('ja');
    expect(preferredLocale('EN-gb')).toBe('en');
    expect(preferredLocale('fr, en;q=0.5, ja;q=0.8')).toBe('ja');
    expect(preferredLocale('fr, de;q=0.9')).toBeNull();
    expect(preferredLocale('ja;q=0, en')).toBe('en');
    expect(preferredLocale(null)).toBeNull();
  });

  it('the newest of pwdFailureTime values (unparsable ones ignored), null for none', () => {
    const values = ['20261130101500.000123Z', '20261130103000.250000Z', 'bogus', '20261130102000Z'].map(parseGeneralizedTime);
    expect(latest(values)?.toISOString()).toBe('2026-11-30T10:30:00.250Z');
    expect(latest([])).toBeNull();
    expect(latest([null])).toBeNull();
  });

  it('objectGUID bytes ↔ string (little-endian first three groups)', () => {
    const bytes = Buffer.from('ac9be4a1dbdf494d9d0323613103f77b', 'hex');
    expect(guidToString(bytes)).toBe('a1e49bac-dfdb-4d49-9d03-23613103f77b');
    expect(guidToBytes('a1e49bac-dfdb-4d49-9d03-23613103f77b')).toEqual(bytes);
    expect(guidToBytes('*')).toBeNull();
  });

  it('phone numbers: E.164 with the country code kept apart when the directory separated it', () => {
    expect(toE164('+81 90-1234-5678')).toBe('+81 9012345678');
    expect(toE164('+819012345678')).toBe('+819012345678');
    expect(toE164('090-1234-5678')).toBeNull();
    expect(toE164('+81 12')).toBeNull();
    expect(toE164(null)).toBeNull();
  });

  it('DNs and attribute look-up', () => {
    expect(firstRdnValue('CN=Domain Admins,CN=Users,DC=x')).toBe('Domain Admins');
    expect(firstRdnValue('cn=Smith\\, John,ou=p')).toBe('Smith, John');
    expect(looksLikeDn('cn=admins,dc=x')).toBe(true);
    expect(looksLikeDn('sspr-admins')).toBe(false);
    const a = new Attrs({ dn: 'uid=a', Mail: ['a@x', 'b@x'], empty: [], blank: [''], single: 'one', photo: [Buffer.from('日本')] });
    expect(a.first('mail')).toBe('a@x');
    expect(a.all('MAIL')).toEqual(['a@x', 'b@x']);
    expect(a.first('empty')).toBeNull();
    expect(a.first('blank')).toBeNull();
    expect(a.first('single')).toBe('one');
    expect(a.first('photo')).toBe('日本');
    expect(a.first('missing')).toBeNull();
    expect([a.has('mail'), a.has('single'), a.has('blank'), a.has('empty'), a.has('missing')]).toEqual([true, true, true, false, false]);
    expect(flavourOf(new Attrs({ dn: '', supportedCapabilities: ['1.2.840.113556.1.4.800'] }))).toBe('activedirectory');
    expect(flavourOf(new Attrs({ dn: '', objectClass: ['OpenLDAProotDSE'] }))).toBe('openldap');
  });
});

describe('directory refusals as violations (R18b)', () => {
  const policy = { dn: 'cn=default', maxAgeSeconds: 0, minAgeSeconds: 0, inHistory: 5, minLength: 8, maxLength: 0, lockout: true, lockoutDurationSeconds: 0, mustChange: true, graceAuthNLimit: 0 };

  it('ppolicy errors map to rule ids with the policy\'s numbers', () => {
    expect(ppolicyViolations('passwordInHistory', policy, '')).toEqual([{ rule: 'history', message: 'You used this password recently. Choose one different from your last 5.' }]);
    expect(ppolicyViolations('passwordTooShort', policy, '')).toEqual([{ rule: 'minLength', message: 'Use at least 8 characters.' }]);
    expect(ppolicyViolations('passwordTooYoung', policy, '')[0]!.rule).toBe('tooYoung');
    expect(ppolicyViolations('insufficientPasswordQuality', policy, '')[0]!.rule).toBe('directoryQuality');
    expect(ppolicyViolations(undefined, policy, 'Constraint violation')).toEqual([{ rule: 'directory', message: 'The directory refused this password. (Constraint violation)' }]);
  });

  it('AD codes: bind reasons from "data NNN", write reasons from 0000052D text', () => {
    expect(adErrorCode('80090308: LdapErr: DSID-0C09041C, comment: AcceptSecurityContext error, data 775, v4563')).toBe('775');
    expect(adErrorCode('0000052D: Constraint violation - check_password_restrictions: password is too young to change!')).toBe('52D');
    expect(adBindReason('… data 52e, v1db1')).toBe('invalid');
    expect(adBindReason('… data 775, v1db1')).toBe('locked');
    expect(adBindReason('… data 533, v1db1')).toBe('disabled');
    expect(adBindReason('… data 532, v1db1')).toBe('expired');
    expect(adBindReason('… data 773, v1db1')).toBe('mustChange');
  });

  const ctx: AdWriteContext = {
    policy: { minPwdLength: 7, pwdHistoryLength: 24, minPwdAgeMs: 86_400_000, maxPwdAgeMs: null, complexity: true },
    newPassword: 'Good-Passw0rd-9',
    accountName: 'alice',
    displayName: 'Alice Liddell',
    lastSetAt: new Date('2026-01-01T00:00:00Z'),
    now: new Date('2026-01-01T12:00:00Z'),
    isChange: true,
  };

  it('a bare Windows 0000052D is explained from the domain policy: age, length, complexity, then history', () => {
    const bare = '0000052D: SvcErr: DSID-031A12D2, problem 5003 (WILL_NOT_PERFORM), data 0';
    expect(adWriteViolations(bare, ctx)[0]!.rule).toBe('tooYoung');
    const old = { ...ctx, lastSetAt: new Date('2025-01-01T00:00:00Z') };
    expect(adWriteViolations(bare, { ...old, newPassword: 'Ab1!' })).toEqual([{ rule: 'minLength', message: 'Use at least 7 characters.' }]);
    expect(adWriteViolations(bare, { ...old, newPassword: 'alice-Passw0rd' })[0]!.rule).toBe('complexity');
    expect(adWriteViolations(bare, old)).toEqual([{ rule: 'history', message: 'You used this password recently. Choose one different from your last 24.' }]);
    expect(adWriteViolations('00000056: AtrErr: DSID-03190F80, #1', old)[0]!.rule).toBe('currentPassword');
    expect(adWriteViolations('00002077: something else', old)[0]!.rule).toBe('directory');
  });

  it('AD complexity: 3 of 5 kinds, no account name, no display-name token', () => {
    expect(meetsAdComplexity('Good-Passw0rd', 'alice', 'Alice Liddell')).toBe(true);
    expect(meetsAdComplexity('lowercaseonly', null, null)).toBe(false);
    expect(meetsAdComplexity('Liddell-Passw0rd', 'alice', 'Alice Liddell')).toBe(false);
    expect(meetsAdComplexity('パスワードAb1', null, null)).toBe(true);
  });
});

describe('where accounts were last read (a change\'s early bind and intent, issue 12)', () => {
  const account = (username: string, id = `id-${username}`) => ({
    id,
    username,
    displayName: `${username} display`,
    email: `${username}@corp.example`,
    contact: { alternateEmail: null },
    password: { lastChangedAt: new Date(1_700_000_000_000) },
  });

  it('keeps the place and the account for an access token\'s life (15 min), then forgets them', () => {
    let now = 0;
    const seen = new LastSeen(() => now);
    seen.saw('uid=a,ou=people,dc=example,dc=org', account('a', 'id-1'));
    now = 15 * 60_000;
    expect(seen.get('id-1')).toEqual({ dn: 'uid=a,ou=people,dc=example,dc=org', account: account('a', 'id-1') });
    now += 1;
    expect(seen.get('id-1')).toBeNull();
  });

  it('a later read replaces the place (a renamed entry); a read finding nothing forgets it', () => {
    const seen = new LastSeen(() => 0);
    seen.saw('uid=a,ou=people,dc=example,dc=org', account('a', 'id-1'));
    seen.saw('cn=A,ou=staff,dc=example,dc=org', account('a', 'id-1'));
    expect(seen.get('id-1')?.dn).toBe('cn=A,ou=staff,dc=example,dc=org');
    seen.forget('id-1');
    expect(seen.get('id-1')).toBeNull();
  });

  it('holds at most 10,000 accounts; the one read longest ago goes first', () => {
    const seen = new LastSeen(() => 0);
    for (let i = 0; i < 10_000; i++) seen.saw(`uid=u${i},dc=example,dc=org`, account(`u${i}`, `id-${i}`));
    seen.saw('uid=u0,dc=example,dc=org', account('u0', 'id-0'));
    seen.saw('uid=new,dc=example,dc=org', account('new', 'id-new'));
    expect(seen.get('id-0')).not.toBeNull();
    expect(seen.get('id-1')).toBeNull();
    expect(seen.get('id-new')).not.toBeNull();
    expect(seen.get('id-9999')).not.toBeNull();
  });

  it('keeps a copy of what a change needs, nothing else of the account (no phones, no lock state)', () => {
    const seen = new LastSeen(() => 0);
    const read = { ...account('a', 'id-1'), locked: true, contact: { alternateEmail: 'a@home.example', mobilePhone: '+81 90 0000 0000' } };
    seen.saw('uid=a,dc=example,dc=org', read);
    read.contact.alternateEmail = 'changed@home.example';
    expect(seen.get('id-1')?.account).toEqual({ ...account('a', 'id-1'), contact: { alternateEmail: 'a@home.example' } });
  });

  it('sameSeen: any field a change prepared from differs, and the preparation is not used', () => {
    const a = account('a', 'id-1');
    expect(sameSeen(a, seenAccountOf({ ...a, password: { lastChangedAt: new Date(a.password.lastChangedAt.getTime()) } }))).toBe(true);
    expect(sameSeen(a, { ...a, id: 'id-2' })).toBe(false);
    expect(sameSeen(a, { ...a, username: 'b' })).toBe(false);
    expect(sameSeen(a, { ...a, displayName: 'A. N. Other' })).toBe(false);
    expect(sameSeen(a, { ...a, email: null })).toBe(false);
    expect(sameSeen(a, { ...a, contact: { alternateEmail: 'a@home.example' } })).toBe(false);
    expect(sameSeen(a, { ...a, password: { lastChangedAt: new Date(a.password.lastChangedAt.getTime() + 1000) } })).toBe(false);
    expect(sameSeen(a, { ...a, password: { lastChangedAt: null } })).toBe(false);
  });
});
