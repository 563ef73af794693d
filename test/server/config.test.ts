import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src-server/config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sspr-config-'));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('server settings', () => {
  it('starts on the embedded defaults with no settings at all', () => {
    const c = loadConfig({ env: {} });
    expect(c).toMatchObject({ port: 8787, host: '127.0.0.1', directoryUrl: 'builtin', defaultLocale: 'en', auditRetentionDays: 365 });
    expect(c.dataDir).toBe(path.resolve('./.sspr-data'));
    expect(c.smtpUrl).toBeUndefined();
  });

  it('reads a JSON file and lets environment variables win', () => {
    const f = file('a.json', JSON.stringify({ port: 9000, host: '0.0.0.0', mailFrom: 'IT <it@example.com>' }));
    const c = loadConfig({ file: f, env: { SSPR_PORT: '9100' } as NodeJS.ProcessEnv });
    expect(c.port).toBe(9100);
    expect(c.host).toBe('0.0.0.0');
    expect(c.mailFrom).toBe('IT <it@example.com>');
  });

  it.each([
    [{ SSPR_PORT: 'eighty' }, /^invalid setting SSPR_PORT: /],
    [{ SSPR_SMTP_URL: 'mail.example.com' }, /^invalid setting SSPR_SMTP_URL: must be a URL starting with smtp:\/\/ or smtps:\/\//],
    [{ SSPR_DATABASE_URL: 'mysql://x' }, /^invalid setting SSPR_DATABASE_URL: must start with sqlite: or postgres:\/\//],
    [{ SSPR_DIRECTORY_URL: 'ldap://127.0.0.1:389' }, /^invalid setting SSPR_LDAP_BIND_DN: an LDAP directory needs/],
    [{ SSPR_SMS_WEBHOOK_URL: 'https://sms.example.com/hook' }, /^invalid setting SSPR_SMS_WEBHOOK_SECRET: /],
    [{ SSPR_ADMIN_TOKEN: 'short' }, /^invalid setting SSPR_ADMIN_TOKEN: must be at least 24 characters/],
    [{ SSPR_LOCALE: 'fr' }, /^invalid setting SSPR_LOCALE: /],
    [{ SSPR_TRUST_PROXY: 'the balancer' }, /^invalid setting SSPR_TRUST_PROXY: must be true, a hop count, or a comma-separated list/],
    [{ SSPR_PROOF_OF_WORK: 'sometimes' }, /^invalid setting SSPR_PROOF_OF_WORK: /],
    [{ SSPR_RATE_LIMITS: 'maybe' }, /^invalid setting SSPR_RATE_LIMITS: /],
  ])('a bad setting %j stops start-up with one line naming it', (env, message) => {
    expect(() => loadConfig({ env: env as NodeJS.ProcessEnv })).toThrow(ConfigError);
    expect(() => loadConfig({ env: env as NodeJS.ProcessEnv })).toThrow(message);
  });

  it('names a bad file: missing, not JSON, not an object, unknown field', () => {
    expect(() => loadConfig({ file: path.join(dir, 'nope.json'), env: {} })).toThrow(/config file .*nope\.json: ENOENT/);
    expect(() => loadConfig({ file: file('b.json', '{port: 1'), env: {} })).toThrow(/not valid JSON/);
    expect(() => loadConfig({ file: file('c.json', '[1]'), env: {} })).toThrow(/must be a JSON object/);
    expect(() => loadConfig({ file: file('d.json', '{"prot": 1}'), env: {} })).toThrow(/^unknown setting prot \(a typo\?\)$/);
  });

  it('reads the proxy hops and addresses the client address comes through', () => {
    expect(loadConfig({ env: {} }).trustProxy).toBeUndefined();
    expect(loadConfig({ env: { SSPR_TRUST_PROXY: '2' } as NodeJS.ProcessEnv }).trustProxy).toBe(2);
    expect(loadConfig({ env: { SSPR_TRUST_PROXY: '10.0.0.0/8, 192.0.2.1' } as NodeJS.ProcessEnv }).trustProxy).toEqual(['10.0.0.0/8', '192.0.2.1']);
    expect(loadConfig({ env: {} }).rateLimits).toEqual({ enabled: true, proofOfWork: 'adaptive', doors: {} });
  });

  it('names a partial LDAP setting', () => {
    expect(() => loadConfig({ env: { SSPR_DIRECTORY_URL: 'ldap://127.0.0.1:389', SSPR_LDAP_BASE_DN: 'dc=example,dc=org' } as NodeJS.ProcessEnv })).toThrow(/^invalid setting SSPR_LDAP_BIND_DN: /);
  });

  it('the server process prints the one line and exits 2 on a bad setting', async () => {
    const run = promisify(execFile);
    const err = await run(process.execPath, ['--import', 'tsx', 'src-server/main.ts'], { env: { ...process.env, SSPR_PORT: '99999' } }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr.trim()).toMatch(/^sspr-server: invalid setting SSPR_PORT: /);
    expect((err as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
  });
});
