import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../shared/api/policy.js';
import { adminCli } from '../helpers/cli-process.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { methodOf, nextPhoneMessage, phoneCode, startReset } from '../helpers/reset-helpers.js';

/**
 * The admin CLI as a real process (`tsx src-server/cli/admin.ts`) on the same data directory
 * as a running server: what the CLI writes, the server serves, and the other way round.
 */
let t: TestServer;
let files: string;
const cli = (args: string[], options: { input?: string; env?: Record<string, string> } = {}) => adminCli(t, args, options);

const file = (name: string, text: string) => {
  const p = path.join(files, name);
  writeFileSync(p, text);
  return p;
};
const admin = () => ({ token: t.adminToken });

beforeAll(async () => {
  t = await startTestServer();
  files = mkdtempSync(path.join(tmpdir(), 'sspr-cli-'));
});
afterAll(async () => {
  await t?.close();
});

describe('admin CLI (npm run admin)', { timeout: 120_000 }, () => {
  it('prints --help (exit 0); usage mistakes are one clear line and exit 2', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    for (const cmd of ['policy set', 'users add', 'groups', 'methods set', 'import', 'report activity', 'coverage']) expect(help.stdout).toContain(cmd);
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('sspr-admin: unknown command "frobnicate" (see --help)\n');
    const badConfig = await cli(['--config', file('bad.json', '{ nope'), 'users', 'list']);
    expect(badConfig.code).toBe(2);
    expect(badConfig.stderr).toMatch(/^sspr-admin: config file .*bad\.json: not valid JSON/);
  });

  it('R25/R17a: policy set validates the file, shows the diff, applies it audited as the CLI user', async () => {
    const bad = await cli(['policy', 'set', file('bad-policy.json', JSON.stringify({ ...DEFAULT_POLICY, sspr: { ...DEFAULT_POLICY.sspr, methodsRequired: 3, reconfirmAfterDays: 9999 } }))]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^sspr-admin: .*bad-policy\.json: sspr\.methodsRequired: /m);
    expect(bad.stderr).toMatch(/^sspr-admin: .*bad-policy\.json: sspr\.reconfirmAfterDays: /m);
    const next = structuredClone(DEFAULT_POLICY);
    next.sspr.methods = ['email', 'mobilePhone', 'authenticatorCode'];
    next.branding.organizationName = '株式会社サンプル';
    const ok = await cli(['policy', 'set', file('policy.json', JSON.stringify(next))]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('  branding.organizationName: "" -> "株式会社サンプル"');
    expect(ok.stdout).toContain('policy updated: 2 change(s)');
    t.server.services.policy.invalidate();
    expect((await t.api('GET', '/admin/policy', admin())).body.branding.organizationName).toBe('株式会社サンプル');
    const audit = (await t.api('GET', '/admin/audit?type=admin.policy', admin())).body.events[0];
    expect(audit.actor).toMatch(/^cli:/);
    expect(audit.client).toMatch(/^cli@/);
    expect(audit.detail.changes).toContainEqual({ path: 'branding.organizationName', before: '', after: '株式会社サンプル' });
  });

  it('users and groups: add (password from stdin), membership, list; refusals exit 1 with the reason', async () => {
    const add = await cli(['users', 'add', '山田太郎', '--display-name', '山田 太郎', '--password-stdin', '--email', 'taro@corp.example', '--groups', 'sspr-pilot'], { input: 'Sakura-Kaze-2026\n' });
    expect(add.code, add.stderr).toBe(0);
    expect(add.stdout).toContain('created 山田太郎');
    const weak = await cli(['users', 'add', 'weak', '--display-name', 'Weak', '--password', 'password']);
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/^sspr-admin: The password does not meet the policy\.\nsspr-admin:   - /);
    await t.addUser({ username: 'hanako' });
    const group = await cli(['groups', 'add-member', 'sspr-pilot', 'hanako']);
    expect(group.code, group.stderr).toBe(0);
    expect(group.stdout).toContain('sspr-pilot: hanako, 山田太郎');
    const list = await cli(['users', 'list']);
    expect(list.stdout).toMatch(/^山田太郎\s+山田 太郎\s+taro@corp\.example\s+no\s*$/m);
    expect(list.stdout).toContain('2 user(s)');
    // The server sees the CLI's user and can sign them in.
    expect((await t.api('POST', '/auth/sign-in', { body: { username: '山田太郎', password: 'Sakura-Kaze-2026' } })).status).toBe(200);
  });

  it('users set / delete and group membership changes go through the admin flows, audited', async () => {
    await t.addUser({ username: 'temp', groups: ['sspr-temp'] });
    const set = await cli(['users', 'set', 'temp', '--disabled', 'true', '--display-name', 'Temporary']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^temp\s+Temporary\s+disabled/m);
    const badFlag = await cli(['users', 'set', 'temp', '--disabled', 'maybe']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toBe('sspr-admin: --disabled: expected true or false, got "maybe"\n');
    const removed = await cli(['groups', 'remove-member', 'sspr-temp', 'temp']);
    expect(removed.stdout).toContain('sspr-temp: (no members)');
    const gone = await cli(['users', 'delete', 'temp']);
    expect(gone.stdout).toContain('deleted temp');
    expect((await t.api('GET', '/admin/users/temp', admin())).status).toBe(404);
    const actions = (await t.api('GET', '/admin/audit?user=temp&sort=asc', admin())).body.events.map((e: any) => `${e.type}:${e.detail.action}:${e.actor.startsWith('cli:')}`);
    expect(actions).toEqual(['admin.user:update:true', 'admin.group:removeMember:true', 'admin.user:delete:true']);
  });

  it('R4: methods set and bulk import — per-line errors, nothing written on --dry-run, valid rows in one transaction', async () => {
    const bad = await cli(['methods', 'set', 'hanako', '--mobile', '+81-90']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('sspr-admin: --mobile: phone numbers are E.164, e.g. +81 9012345678\n');
    // As Excel saves it: BOM and CRLF.
    await t.addUser({ username: 'jiro' });
    const csv = file('phones.csv', '\uFEFFusername,email,mobilePhone,officePhone\r\n山田太郎,taro.home@mail.example,+81 9012345678,\r\njiro,,+81-90,\r\nghost,,+81 9000000000,\r\nhanako,hanako@home.example,,\r\n');
    const dry = await cli(['import', csv, '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stderr).toBe('sspr-admin: line 3: mobilePhone "+81-90" is not E.164 (e.g. +81 9012345678)\nsspr-admin: line 4: no user "ghost"\n');
    expect(dry.stdout).toContain('dry run: 2 row(s) would be applied, 2 row(s) with errors; nothing written');
    expect((await t.api('GET', `/admin/users/${encodeURIComponent('山田太郎')}`, admin())).body.methods).toEqual([]);
    const real = await cli(['import', csv]);
    expect(real.code).toBe(1);
    expect(real.stdout).toContain('imported 2 row(s) in one transaction, 2 row(s) with errors (not applied)');
    const taro = (await t.api('GET', `/admin/users/${encodeURIComponent('山田太郎')}`, admin())).body;
    expect(taro.methods.map((m: any) => `${m.type}:${m.hint}:${m.source}`).sort()).toEqual(['email:t•••@mail.example:admin', 'mobilePhone:+81 ••• •••• ••78:admin']);
    expect(taro.registered).toBe(true);
    const hanako = (await t.api('GET', '/admin/users/hanako', admin())).body;
    expect(hanako.methods.map((m: any) => m.type)).toEqual(['email']);
    const events = (await t.api('GET', '/admin/audit?type=admin.methods', admin())).body.events;
    expect(events).toHaveLength(2);
    expect(events.every((e: any) => e.actor.startsWith('cli:'))).toBe(true);
  });

  it('R4/R17b: an imported phone resets a password; the CLI exports the reset as CSV and JSON, and shows coverage', async () => {
    t.server.services.policy.invalidate();
    const session = await startReset(t, '山田太郎');
    const sent = t.gateway.messages.length;
    const ch = await t.api('POST', '/reset/session/challenges', { token: session.sessionToken, body: { methodId: methodOf(session, 'mobilePhone'), channel: 'sms' } });
    expect(ch.status).toBe(201);
    const code = phoneCode(await nextPhoneMessage(t, '+81 9012345678', sent));
    expect((await t.api('POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { token: session.sessionToken, body: { code } })).status).toBe(200);
    expect((await t.api('POST', '/reset/session/password', { token: session.sessionToken, body: { newPassword: 'Fuji-Yama-Snow-88' } })).status).toBe(200);

    const out = path.join(files, 'activity.csv');
    const csv = await cli(['report', 'activity', '--user', '山田太郎', '--type', 'reset.', '--sort', 'asc', '--format', 'csv', '--out', out]);
    expect(csv.code, csv.stderr).toBe(0);
    const bytes = readFileSync(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).trimEnd().split('\r\n');
    expect(lines[0]).toBe('time,type,user,actor,method,result,client,detail');
    expect(lines.slice(1).map((l) => l.split(',').slice(1, 3).join(','))).toEqual(expect.arrayContaining(['reset.started,山田太郎', 'reset.password,山田太郎']));
    expect(lines.some((l) => /^[^,]+,reset\.verify,山田太郎,,mobilePhone,success,/.test(l))).toBe(true);
    // The API's CSV of the same filter is the same file.
    const api = await fetch(`${t.url}/admin/reports/activity?user=${encodeURIComponent('山田太郎')}&type=reset.&sort=asc&format=csv`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(Buffer.from(await api.arrayBuffer()).equals(bytes)).toBe(true);

    const json = await cli(['report', 'activity', '--user', '山田太郎', '--type', 'reset.password', '--format', 'json']);
    expect(JSON.parse(json.stdout.trim())).toMatchObject({ type: 'reset.password', user: '山田太郎', result: 'success' });
    const badType = await cli(['report', 'activity', '--type', 'nope']);
    expect(badType.code).toBe(2);
    expect(badType.stderr).toMatch(/^sspr-admin: --type: no event type is "nope"/);

    const coverage = await cli(['coverage', '--list']);
    expect(coverage.stdout).toContain('registration coverage: 2 of 3 in-scope user(s) registered (66.7%)');
    expect(coverage.stdout).toContain('  not registered: jiro');
  });
});
