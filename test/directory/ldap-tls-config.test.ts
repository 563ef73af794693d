import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-server/clock.js';
import { ConfigError, loadConfig } from '../../src-server/config.js';
import { DirectoryUnavailableError } from '../../src-server/directory/directory.js';
import { createLdapDirectory, ldapSettingsFrom } from '../../src-server/directory/ldap/create-ldap-directory.js';
import type { LdapSettings } from '../../src-server/directory/ldap/ldap-directory.js';
import { createServer } from '../../src-server/server.js';
import { makeTestCertificates, startSlapd, type Slapd } from '../helpers/slapd.js';

let slapd: Slapd;
const clock = new ManualClock(new Date());
const log = { warn: () => {} };

function settings(extra: Partial<LdapSettings>): LdapSettings {
  return {
    url: slapd.url,
    bindDn: slapd.serviceDn,
    bindPassword: slapd.servicePassword,
    baseDn: slapd.baseDn,
    startTls: false,
    alternateEmailAttribute: 'otherMailbox',
    timeoutMs: 2000,
    poolSize: 2,
    policyCacheMs: 0,
    ...extra,
  };
}

beforeAll(async () => {
  slapd = await startSlapd({ tls: true });
  await slapd.addUser({ uid: 'alice', password: 'Alice-Passw0rd-1!' });
});

afterAll(async () => {
  await slapd?.close();
});

describe('LDAP over TLS', () => {
  it('StartTLS and ldaps:// with the CA file: sign-in and writes work and are verified by the directory', async () => {
    let current = 'Alice-Passw0rd-1!';
    for (const [mode, s] of [['starttls', settings({ startTls: true, caFile: slapd.caFile! })], ['ldaps', settings({ url: slapd.ldapsUrl!, caFile: slapd.caFile! })]] as const) {
      const dir = await createLdapDirectory(s, clock, log);
      try {
        expect((await dir.verifyPassword('alice', current)).ok, mode).toBe(true);
        const alice = (await dir.findUser('alice'))!;
        const reset = `Alice-${mode}-Reset-1`;
        expect((await dir.resetPassword(alice, reset, { unlock: true })).ok, mode).toBe(true);
        expect((await dir.resetPassword(alice, current, { unlock: true })).ok, mode).toBe(false);
        current = `Alice-${mode}-Own-2`;
        expect((await dir.changePassword(alice, reset, current)).ok, mode).toBe(true);
        expect(await slapd.canBind(slapd.userDn('alice'), current), mode).toBe(true);
      } finally {
        await dir.close();
      }
    }
  });

  it('a certificate from a CA the server was not given is refused: DirectoryUnavailableError, never a silent downgrade', async () => {
    const other = mkdtempSync(path.join(tmpdir(), 'sspr-other-ca-'));
    try {
      const { caFile } = await makeTestCertificates(other);
      await expect(createLdapDirectory(settings({ startTls: true, caFile }), clock, log)).rejects.toBeInstanceOf(DirectoryUnavailableError);
      await expect(createLdapDirectory(settings({ url: slapd.ldapsUrl!, caFile }), clock, log)).rejects.toBeInstanceOf(DirectoryUnavailableError);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});

describe('LDAP settings', () => {
  const base = { SSPR_DATA_DIR: '/tmp/sspr-config-test', SSPR_DIRECTORY_URL: 'ldaps://dc.example.org', SSPR_LDAP_BIND_DN: 'CN=svc,DC=example,DC=org', SSPR_LDAP_BIND_PASSWORD: 'x', SSPR_LDAP_BASE_DN: 'DC=example,DC=org' };

  it('every SSPR_LDAP_* variable reaches the adapter settings', () => {
    const s = ldapSettingsFrom(
      loadConfig({
        env: {
          ...base,
          SSPR_LDAP_CA_FILE: '/etc/ssl/corp-ca.pem',
          SSPR_LDAP_START_TLS: 'true',
          SSPR_LDAP_TIMEOUT_MS: '2500',
          SSPR_LDAP_ADMIN_GROUP: 'cn=sspr-admins,ou=groups,dc=example,dc=org',
          SSPR_LDAP_PPOLICY_DN: 'cn=default,ou=policies,dc=example,dc=org',
          SSPR_LDAP_ALT_EMAIL_ATTRIBUTE: 'otherMailbox',
          SSPR_LDAP_POOL_SIZE: '4',
        },
      }),
    );
    expect(s).toMatchObject({
      url: 'ldaps://dc.example.org', bindDn: 'CN=svc,DC=example,DC=org', baseDn: 'DC=example,DC=org', caFile: '/etc/ssl/corp-ca.pem', startTls: true, timeoutMs: 2500,
      adminGroup: 'cn=sspr-admins,ou=groups,dc=example,dc=org', ppolicyDn: 'cn=default,ou=policies,dc=example,dc=org', alternateEmailAttribute: 'otherMailbox', poolSize: 4,
    });
    expect(ldapSettingsFrom(loadConfig({ env: base }))).toMatchObject({ startTls: false, timeoutMs: 5000, poolSize: 8, alternateEmailAttribute: 'otherMailbox', groupsFrom: 'search' });
    expect(ldapSettingsFrom(loadConfig({ env: { ...base, SSPR_LDAP_GROUPS_FROM: 'memberOf' } })).groupsFrom).toBe('memberOf');
  });

  it('a bad LDAP setting stops start-up with one line naming it', () => {
    expect(() => loadConfig({ env: { ...base, SSPR_LDAP_START_TLS: 'perhaps' } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { ...base, SSPR_LDAP_START_TLS: 'perhaps' } })).toThrow(/SSPR_LDAP_START_TLS/);
    expect(() => loadConfig({ env: { ...base, SSPR_LDAP_ALT_EMAIL_ATTRIBUTE: 'mail)(x' } })).toThrow(/SSPR_LDAP_ALT_EMAIL_ATTRIBUTE/);
    expect(() => loadConfig({ env: { ...base, SSPR_LDAP_TIMEOUT_MS: '5' } })).toThrow(/SSPR_LDAP_TIMEOUT_MS/);
    expect(() => loadConfig({ env: { ...base, SSPR_LDAP_GROUPS_FROM: 'memberof-ish' } })).toThrow(/SSPR_LDAP_GROUPS_FROM/);
  });

  it('the server refuses to start against a directory it cannot reach, naming it', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-ldap-start-'));
    try {
      const config = loadConfig({ env: { ...base, SSPR_DATA_DIR: dataDir, SSPR_DIRECTORY_URL: 'ldap://127.0.0.1:1', SSPR_LDAP_TIMEOUT_MS: '500', SSPR_LOG_LEVEL: 'silent' } });
      await expect(createServer(config, { clock })).rejects.toThrow(/ldap:\/\/127\.0\.0\.1:1/);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
