import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-server/clock.js';
import { ConfigError, loadConfig } from '../../src-server/config.js';
import { WebhookPhoneGateway } from '../../src-server/notify/sms-gateway.js';
import { startGatewayPeer, type GatewayPeer } from '../helpers/gateway-peer.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** Issue 11 item 5: the small exposure holes, each closed against the real server or peer. */

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

describe('/metrics', () => {
  it('answers only with its bearer token', async () => {
    for (const token of [undefined, 'wrong-token-0123456789abcdefghijklmn', t.adminToken]) {
      const r = await t.api('GET', '/metrics', { token });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('unauthorized');
      expect(JSON.stringify(r.body)).not.toContain('sspr_http');
    }
    const ok = await t.api('GET', '/metrics', { token: t.metricsToken });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('sspr_http_problems_total');
  });

  it('is not served at all when no token is configured', async () => {
    const bare = await startTestServer({ env: { SSPR_METRICS_TOKEN: '' } });
    try {
      expect(bare.config.metricsToken).toBeUndefined();
      const r = await bare.api('GET', '/metrics');
      expect(r.status).toBe(404);
      expect(r.body.code).toBe('not_found');
    } finally {
      await bare.close();
    }
  });

  it('can be served on a separate address instead (the server process with SSPR_METRICS_PORT)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-metrics-'));
    const child = spawn(process.execPath, ['--import', 'tsx', 'src-server/main.ts'], {
      env: { ...process.env, SSPR_PORT: '0', SSPR_DATA_DIR: dataDir, SSPR_METRICS_PORT: '0', SSPR_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    try {
      const deadline = Date.now() + 30_000;
      while (!/metrics: (http:\/\/\S+)/.test(output)) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the server did not start: ${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const metricsUrl = /metrics: (http:\/\/\S+)/.exec(output)![1]!;
      const api = /listening on (http:\/\/\S+)\/api\/v1/.exec(output)![1]!;
      expect(new URL(metricsUrl).hostname).toBe('127.0.0.1');
      expect(new URL(metricsUrl).port).not.toBe(new URL(api).port);
      const scrape = await fetch(metricsUrl);
      expect(scrape.status).toBe(200);
      expect(await scrape.text()).toContain('sspr_http_request_duration_seconds');
      expect((await fetch(`${api}/metrics`)).status).toBe(404);
      expect((await fetch(metricsUrl.replace('/metrics', '/readyz'))).status).toBe(404);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('data folder', () => {
  it('is 0700 with the database, its journal and the key files 0600, tightened at start if left open (and an operator\'s own files left alone)', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-perm-'));
    chmodSync(dataDir, 0o755);
    try {
      let s = await startTestServer({ env: { SSPR_DATA_DIR: dataDir } });
      expect((await s.api('POST', '/reset/sessions', { body: { username: 'someone' } })).status).toBe(201);
      expect(mode(dataDir)).toBe('700');
      for (const f of ['sspr.db', 'sspr.db-wal', 'secret.key']) expect([f, mode(path.join(dataDir, f))]).toEqual([f, '600']);
      await s.close();
      // An operator (or an older version) opened them up: the next start closes them again.
      chmodSync(dataDir, 0o755);
      for (const f of ['sspr.db', 'secret.key']) chmodSync(path.join(dataDir, f), 0o644);
      writeFileSync(path.join(dataDir, 'operator-notes.txt'), 'not ours', { mode: 0o644 });
      s = await startTestServer({ env: { SSPR_DATA_DIR: dataDir } });
      expect(mode(dataDir)).toBe('700');
      for (const f of ['sspr.db', 'secret.key']) expect([f, mode(path.join(dataDir, f))]).toEqual([f, '600']);
      if (existsSync(path.join(dataDir, 'sspr.db-wal'))) expect(mode(path.join(dataDir, 'sspr.db-wal'))).toBe('600');
      expect(mode(path.join(dataDir, 'operator-notes.txt'))).toBe('644');
      await s.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('plain ldap:// without StartTLS', () => {
  const ldap = { SSPR_LDAP_BIND_DN: 'cn=svc,dc=example,dc=org', SSPR_LDAP_BIND_PASSWORD: 'x', SSPR_LDAP_BASE_DN: 'dc=example,dc=org' };
  const load = (env: Record<string, string>) => () => loadConfig({ env: { SSPR_DATA_DIR: '/tmp/sspr-x', ...ldap, ...env } });

  it('is refused at config load to a remote host unless the insecure setting is on', () => {
    expect(load({ SSPR_DIRECTORY_URL: 'ldap://dc.example.org' })).toThrow(ConfigError);
    expect(load({ SSPR_DIRECTORY_URL: 'ldap://dc.example.org' })).toThrow(/^invalid setting SSPR_DIRECTORY_URL: ldap:\/\/ without StartTLS/);
    expect(load({ SSPR_DIRECTORY_URL: 'ldap://10.0.0.5:389', SSPR_LDAP_START_TLS: 'false' })).toThrow(ConfigError);
    expect(load({ SSPR_DIRECTORY_URL: 'ldap://dc.example.org', SSPR_LDAP_START_TLS: 'true' })).not.toThrow();
    expect(load({ SSPR_DIRECTORY_URL: 'ldaps://dc.example.org' })).not.toThrow();
    expect(load({ SSPR_DIRECTORY_URL: 'ldap://dc.example.org', SSPR_LDAP_ALLOW_INSECURE: 'true' })).not.toThrow();
    // Loopback never crosses a network.
    expect(load({ SSPR_DIRECTORY_URL: 'ldap://127.0.0.1:389' })).not.toThrow();
    expect(load({ SSPR_DIRECTORY_URL: 'ldap://[::1]:389' })).not.toThrow();
  });

  it('the server process refuses to start with it, in one line, exit 2', async () => {
    const err = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src-server/main.ts'], {
      env: { ...process.env, ...ldap, SSPR_DIRECTORY_URL: 'ldap://dc.example.org', SSPR_DATA_DIR: path.join(tmpdir(), 'sspr-never-created') },
    }).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr.trim()).toMatch(/^sspr-server: invalid setting SSPR_DIRECTORY_URL: ldap:\/\/ without StartTLS/);
  });
});

describe('SMS/voice gateway webhook', () => {
  it('must be https:// except to loopback', () => {
    const load = (url: string) => () => loadConfig({ env: { SSPR_DATA_DIR: '/tmp/sspr-x', SSPR_SMS_WEBHOOK_URL: url, SSPR_SMS_WEBHOOK_SECRET: 'gateway-secret-0123456789' } });
    expect(load('http://sms.example.com/hook')).toThrow(/^invalid setting SSPR_SMS_WEBHOOK_URL: must be https:\/\//);
    expect(load('http://10.1.2.3/hook')).toThrow(ConfigError);
    expect(load('https://sms.example.com/hook')).not.toThrow();
    expect(load('http://127.0.0.1:9000/hook')).not.toThrow();
    expect(load('http://localhost:9000/hook')).not.toThrow();
  });

  it('never follows a redirect with the signed body', async () => {
    const elsewhere: GatewayPeer = await startGatewayPeer();
    const gateway = await startGatewayPeer();
    gateway.redirectTo = elsewhere.url;
    try {
      const phone = new WebhookPhoneGateway(gateway.url, gateway.secret, new ManualClock(new Date()), 2000);
      await expect(phone.send({ id: 'm1', channel: 'sms', to: '+81 9012345678', text: 'code 123456', locale: 'en' })).rejects.toThrow(/redirect/);
      expect(gateway.messages).toHaveLength(1);
      expect(elsewhere.messages).toHaveLength(0);
    } finally {
      await gateway.close();
      await elsewhere.close();
    }
  });
});

describe('R17b: CSV export', () => {
  it('guards full-width formula starts (＝ ＋ － ＠ ﹦) as it guards = + - @', async () => {
    const names = ['＝HYPERLINK("http://evil","x")', '＋1+1', '－2+3', '＠SUM(1)', '﹦1', 'ｐlain'];
    const at = t.clock.now().getTime();
    await t.server.services.db
      .insertInto('audit_events')
      .values(names.map((username, i) => ({ at: at + i, type: 'reset.start', category: 'activity', username, actor: null, method: null, result: 'success', client: '10.0.0.9', detail: null })))
      .execute();
    const res = await fetch(`${t.url}/admin/reports/activity?format=csv&sort=asc&client=10.0.0.9`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const name of names.slice(0, 5)) expect(text).toMatch(new RegExp(`(^|,|")'${name.slice(0, 2).replace(/[+(]/g, '\\$&')}`, 'm'));
    expect(text).toMatch(/,ｐlain,/);
    expect(text).not.toMatch(/,[＝＋－＠﹦]/);
  });
});
