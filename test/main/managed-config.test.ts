import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WINDOWS_POLICY_KEY } from '../../src-main/common/app-identity.js';
import { effectiveConfig, NO_MANAGED } from '../../src-main/common/effective-config.js';
import { parseRegQueryOutput, plistJsonToRaw, registryToRaw, validateManaged } from '../../src-main/common/managed-config-parse.js';
import { ConfigService, MemorySettings } from '../../src-main/node/config-service.js';
import { loadManagedConfig, type RunCommand } from '../../src-main/node/managed-config.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sspr-managed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** `reg query "HKLM\Software\Policies\SSPR\Companion" /s` as Windows prints it (CRLF, 4-space columns). */
const REG_OUTPUT = [
  '',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\SSPR\\Companion',
  '    ServerUrl    REG_SZ    https://sspr.corp.example',
  '    KioskMode    REG_DWORD    0x1',
  '    Locale    REG_SZ    ja',
  '    WarningDays    REG_MULTI_SZ    21\\014\\07',
  '    AutoStart    REG_DWORD    0x0',
  '    UpdateChannel    REG_SZ    off',
  '    IdleTimeoutSeconds    REG_DWORD    0x5a',
  '',
  'HKEY_LOCAL_MACHINE\\Software\\Policies\\SSPR\\Companion\\Branding',
  '    OrganizationName    REG_SZ    Example Corp 株式会社',
  '    ContactAdmin    REG_SZ    https://help.corp.example/sspr',
  '',
].join('\r\n');

describe('managed config: Linux file', () => {
  it('valid file: every setting, marked managed, overriding the user', async () => {
    const p = file('ok.json', JSON.stringify({ serverUrl: 'https://sspr.corp.example', kioskMode: false, locale: 'ja', branding: { organizationName: 'Example Corp' }, warningDays: [10, 3], autoStart: true, updateChannel: 'beta', idleTimeoutSeconds: 60 }));
    const m = await loadManagedConfig({ platform: 'linux', linuxPath: p });
    expect(m.problem).toBeNull();
    expect(m.source).toEqual({ kind: 'linux-file', location: p });
    const config = new ConfigService({ serverUrl: null, locale: 'en' }, new MemorySettings({ locale: 'en', serverUrl: 'https://other.example' }), m).get();
    expect(config).toMatchObject({ serverUrl: 'https://sspr.corp.example', locale: 'ja', warningDays: [10, 3], updateChannel: 'beta', idleTimeoutSeconds: 60, branding: { organizationName: 'Example Corp' } });
    expect(config.managed.sort()).toEqual(['autoStart', 'branding', 'idleTimeoutSeconds', 'kioskMode', 'locale', 'serverUrl', 'updateChannel', 'warningDays']);
  });

  it('absent file: nothing managed, no message', async () => {
    expect(await loadManagedConfig({ platform: 'linux', linuxPath: path.join(dir, 'missing.json') })).toEqual(NO_MANAGED);
  });

  it.each([
    ['bad-days.json', { warningDays: [14, 0] }, '"warningDays.1"'],
    ['bad-url.json', { serverUrl: 'http://sspr.corp.example' }, '"serverUrl"'],
    ['bad-kiosk.json', { kioskMode: 'yes please' }, '"kioskMode"'],
    ['unknown.json', { serverURL: 'https://x.example' }, 'serverURL'],
    ['bad-branding.json', { branding: { logoDataUrl: 'https://cdn.example/logo.png' } }, '"branding.logoDataUrl"'],
  ])('%s: ONE message naming the field; the app runs on defaults', async (name, content, field) => {
    const p = file(name, JSON.stringify(content));
    const m = await loadManagedConfig({ platform: 'linux', linuxPath: p });
    expect(m.problem).toContain(field);
    expect(m.problem).toContain(p);
    expect(m.problem).toMatch(/running on defaults/);
    expect(m.problem!.split('\n')).toHaveLength(1);
    expect(m.config).toEqual({});
    const config = effectiveConfig({ serverUrl: null, locale: 'en' }, {}, m);
    expect(config).toMatchObject({ kioskMode: false, warningDays: null, managed: [], problem: m.problem });
  });

  it('not JSON: one message, defaults', async () => {
    const p = file('broken.json', '{ "kioskMode": true,');
    const m = await loadManagedConfig({ platform: 'linux', linuxPath: p });
    expect(m.problem).toMatch(/not readable JSON/);
    expect(m.config).toEqual({});
  });
});

describe('managed config: Windows registry policy key', () => {
  it('parses `reg query /s` output: values, types and the Branding subkey', () => {
    const keys = parseRegQueryOutput(REG_OUTPUT);
    expect([...keys.keys()]).toEqual(['HKEY_LOCAL_MACHINE\\Software\\Policies\\SSPR\\Companion', 'HKEY_LOCAL_MACHINE\\Software\\Policies\\SSPR\\Companion\\Branding']);
    const raw = registryToRaw(REG_OUTPUT, WINDOWS_POLICY_KEY)!;
    expect(raw).toEqual({
      serverUrl: 'https://sspr.corp.example',
      kioskMode: 1,
      locale: 'ja',
      warningDays: ['21', '14', '7'],
      autoStart: 0,
      updateChannel: 'off',
      idleTimeoutSeconds: 90,
      branding: { organizationName: 'Example Corp 株式会社', contactAdmin: 'https://help.corp.example/sspr' },
    });
    expect(validateManaged(raw, WINDOWS_POLICY_KEY)).toEqual({
      ok: true,
      config: { serverUrl: 'https://sspr.corp.example', kioskMode: true, locale: 'ja', warningDays: [21, 14, 7], autoStart: false, updateChannel: 'off', idleTimeoutSeconds: 90, branding: { organizationName: 'Example Corp 株式会社', contactAdmin: 'https://help.corp.example/sspr' } },
    });
  });

  it('runs `reg query <key> /s`; a missing key (exit 1) means nothing managed; a bad value names it', async () => {
    const calls: string[][] = [];
    const run = (stdout: string, code = 0): RunCommand => async (file, args) => {
      calls.push([file, ...args]);
      return { code, stdout, stderr: code ? 'ERROR: The system was unable to find the specified registry key or value.' : '' };
    };
    const m = await loadManagedConfig({ platform: 'win32', run: run(REG_OUTPUT) });
    expect(calls[0]).toEqual(['reg', 'query', WINDOWS_POLICY_KEY, '/s']);
    expect(m).toMatchObject({ source: { kind: 'windows-registry', location: WINDOWS_POLICY_KEY }, problem: null, config: { kioskMode: true, warningDays: [21, 14, 7] } });
    expect(await loadManagedConfig({ platform: 'win32', run: run('', 1) })).toEqual(NO_MANAGED);
    const bad = await loadManagedConfig({ platform: 'win32', run: run(REG_OUTPUT.replace('0x5a', '0x5')) });
    expect(bad.problem).toContain('"idleTimeoutSeconds"');
    expect(bad.config).toEqual({});
  });

  it('value names are matched case-insensitively; REG_SZ lists and "true" are accepted', () => {
    const out = ['HKEY_LOCAL_MACHINE\\Software\\Policies\\SSPR\\Companion', '    serverurl    REG_SZ    https://a.example', '    warningdays    REG_SZ    14, 7', '    KIOSKMODE    REG_SZ    true', ''].join('\r\n');
    expect(validateManaged(registryToRaw(out, WINDOWS_POLICY_KEY), 'k')).toEqual({ ok: true, config: { serverUrl: 'https://a.example', warningDays: [14, 7], kioskMode: true } });
  });
});

describe('managed config: macOS managed preferences', () => {
  it('reads the plist through `plutil -convert json`; profile Payload keys are ignored', async () => {
    const plistPath = file('org.sspr.companion.plist', '<plist/>');
    const json = JSON.stringify({ PayloadUUID: 'A1B2', serverUrl: 'https://sspr.corp.example', kioskMode: true, warningDays: [7, 1] });
    expect(plistJsonToRaw(json)).toEqual({ serverUrl: 'https://sspr.corp.example', kioskMode: true, warningDays: [7, 1] });
    const calls: string[][] = [];
    const m = await loadManagedConfig({
      platform: 'darwin',
      macPlistPath: plistPath,
      run: async (f, args) => {
        calls.push([f, ...args]);
        return { code: 0, stdout: json, stderr: '' };
      },
    });
    expect(calls[0]).toEqual(['/usr/bin/plutil', '-convert', 'json', '-o', '-', plistPath]);
    expect(m).toMatchObject({ source: { kind: 'macos-managed-preferences' }, problem: null, config: { kioskMode: true, warningDays: [7, 1] } });
    const bad = await loadManagedConfig({ platform: 'darwin', macPlistPath: plistPath, run: async () => ({ code: 0, stdout: JSON.stringify({ locale: 'fr' }), stderr: '' }) });
    expect(bad.problem).toContain('"locale"');
  });
});
