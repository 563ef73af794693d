import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeStatus } from '../../shared/api/me.js';
import { AccountCache } from '../../src-main/node/account-cache.js';
import { KeychainUnavailableError, loadKeytar, napiKeyringBinding, openSecretStore, UnavailableSecretStore, type SecretStore } from '../../src-main/node/secret-store.js';

/**
 * The real keychain: on Linux, gnome-keyring's Secret Service. `npm test` runs vitest inside a
 * D-Bus session with an unlocked gnome-keyring (scripts/test.sh). By hand:
 *   HOME=$(mktemp -d) dbus-run-session -- sh -c 'echo -n pass | gnome-keyring-daemon --unlock --components=secrets; npx vitest run test/main/secret-store.test.ts'
 */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const service = `org.sspr.companion.test-${randomBytes(4).toString('hex')}`;
let store: SecretStore;

describe('SecretStore on the real keychain (gnome-keyring Secret Service)', () => {
  beforeAll(async () => {
    store = await openSecretStore(service);
    if (!store.available) {
      throw new Error(`No Secret Service here (${store.unavailableReason}). Run under npm test, or: HOME=$(mktemp -d) dbus-run-session -- sh -c 'echo -n pass | gnome-keyring-daemon --unlock --components=secrets; npx vitest run test/main/secret-store.test.ts'`);
    }
  });

  it('runs on keytar, the card\'s binding (built from source by scripts/ensure-system-deps.sh)', async () => {
    const keytar = await loadKeytar();
    expect('unavailable' in keytar ? keytar.unavailable : 'loaded', 'keytar loads').toBe('loaded');
    expect(store.binding).toBe('keytar');
  });

  it('where keytar\'s native part is absent, @napi-rs/keyring is used and says so', async () => {
    const missing = await loadKeytar('keytar-not-installed');
    expect(missing).toEqual({ unavailable: expect.stringMatching(/keytar-not-installed/) });
    const fallback = await openSecretStore(service, process.platform, [missing, napiKeyringBinding()]);
    expect(fallback.available).toBe(true);
    expect(fallback.binding).toBe('@napi-rs/keyring');
  });

  it('set / get / delete round trip, Unicode and long values', async () => {
    const value = `rt_${randomBytes(32).toString('base64url')}-日本語-✓`;
    expect(await store.get('refresh-token:alice')).toBeNull();
    await store.set('refresh-token:alice', value);
    expect(await store.get('refresh-token:alice')).toBe(value);
    // A second handle (another process would be the same) reads what was stored.
    expect(await (await openSecretStore(service)).get('refresh-token:alice')).toBe(value);
    await store.set('refresh-token:alice', 'rotated');
    expect(await store.get('refresh-token:alice')).toBe('rotated');
    expect(await store.delete('refresh-token:alice')).toBe(true);
    expect(await store.delete('refresh-token:alice')).toBe(false);
    expect(await store.get('refresh-token:alice')).toBeNull();
  });

  it('entries are separate per service: another app\'s entry is not ours', async () => {
    await store.set('last-user', 'x');
    expect(await (await openSecretStore(`${service}-other`)).get('last-user')).toBeNull();
    await store.delete('last-user');
  });

  it('the account cache keeps refresh token, last status, shown thresholds and the push key per user', async () => {
    const status: MeStatus = {
      password: { lastChangedAt: '2026-01-01T00:00:00.000Z', expiresAt: '2026-04-01T00:00:00.000Z', daysUntilExpiry: 30, warn: false, mustChange: false, warningDays: [14, 7, 3, 1] },
      registration: { registered: true, required: 1, methods: ['email'], mustRegister: false, reconfirmDueAt: null, mustReconfirm: false },
      inScope: true,
      checkedAt: '2026-03-02T00:00:00.000Z',
    };
    const cache = new AccountCache(store);
    await cache.setLastUser({ username: 'taro', displayName: '山田 太郎', isAdmin: false });
    await cache.setRefreshToken('taro', 'rt_1');
    await cache.setStatus('taro', status);
    await cache.setAlerts('taro', { expiresAt: status.password.expiresAt, notifiedThresholds: [14], nudged: [] });
    await cache.setPushKey('taro', { methodId: 'm1', privateKey: 'cHJpdg==', publicKey: 'cHVi' });
    // A fresh cache (a restart) reads it all back from the keychain.
    const again = new AccountCache(await openSecretStore(service));
    expect(await again.lastUser()).toEqual({ username: 'taro', displayName: '山田 太郎', isAdmin: false });
    expect(await again.refreshToken('taro')).toBe('rt_1');
    expect(await again.status('taro')).toEqual(status);
    expect((await again.alerts('taro')).notifiedThresholds).toEqual([14]);
    expect(await again.pushKey('taro')).toMatchObject({ methodId: 'm1' });
    // Sign-out: session state goes, the device's push key stays.
    await again.forgetSession('taro');
    const third = new AccountCache(await openSecretStore(service));
    expect(await third.lastUser()).toBeNull();
    expect(await third.refreshToken('taro')).toBeNull();
    expect(await third.status('taro')).toBeNull();
    expect(await third.pushKey('taro')).not.toBeNull();
    await third.setPushKey('taro', null);
    expect(await (await openSecretStore(service)).get('push-key:taro')).toBeNull();
  });

  it('a corrupt cache entry reads as nothing, not as a crash', async () => {
    await store.set('status:zed', '{not json');
    expect(await new AccountCache(store).status('zed')).toBeNull();
    await store.set('status:zed', JSON.stringify({ password: 1 }));
    expect(await new AccountCache(store).status('zed')).toBeNull();
    await store.delete('status:zed');
  });
});

describe('no keychain: refuse to persist, never fall back to files', () => {
  const home = mkdtempSync(path.join(tmpdir(), 'sspr-nokeyring-'));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('without a Secret Service the store reports unavailable, and nothing is written to disk', () => {
    const script = fileURLToPath(new URL('../helpers/keychain-without-dbus.ts', import.meta.url));
    const env = { PATH: process.env.PATH!, HOME: home, XDG_DATA_HOME: path.join(home, 'data'), XDG_CONFIG_HOME: path.join(home, 'config'), XDG_RUNTIME_DIR: path.join(home, 'run'), DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, 'no-bus')}` };
    const out = execFileSync(process.execPath, ['--import', 'tsx', script], { env, cwd: repoRoot, encoding: 'utf8' });
    const report = JSON.parse(out.trim().split('\n').at(-1)!);
    expect(report.available).toBe(false);
    expect(report.reason).toMatch(/dbus|d-bus|secret|service|platform/i);
    expect(report.setError).toBe('KeychainUnavailableError');
    expect(report.cacheReadBack).toBe('rt_memory_only');
    expect(report.freshCacheReadBack).toBeNull();
    // Not a byte on disk: HOME and the XDG directories stay empty.
    expect(readdirSync(home)).toEqual([]);
  });

  it('UnavailableSecretStore: reads find nothing, writes are refused', async () => {
    const s = new UnavailableSecretStore('no Secret Service');
    expect(s.available).toBe(false);
    expect(s.binding).toBeNull();
    expect(await s.get('x')).toBeNull();
    await expect(s.set('x', 'y')).rejects.toBeInstanceOf(KeychainUnavailableError);
    expect(await s.delete('x')).toBe(false);
  });
});
