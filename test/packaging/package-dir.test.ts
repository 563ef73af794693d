import { extractAll, listPackage } from '@electron/asar';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * Packaging offline: only electron-builder's unpacked `dir` target can run here, and it needs
 * an Electron distribution, which cannot be downloaded. The test makes a placeholder one (an
 * `electron` stub carrying Electron's fuse wire, so the fuse flipping is real), packs the app
 * with the project's electron-builder.yml, then reads the asar and the flipped fuses. The
 * installer targets (NSIS, MSI, dmg, pkg, deb, rpm, AppImage) download their tools: their
 * configuration is checked here, their build needs the network.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const electronVersion = (JSON.parse(readFileSync(path.join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { main: string; devDependencies: Record<string, string>; dependencies: Record<string, string> };
const config = require('js-yaml').load(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as Record<string, any>;

/** Electron's fuse sentinel, then wire version 1, 8 fuses as Electron ships them ('1' on, '0' off). */
const FUSE_WIRE = Buffer.concat([Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), Buffer.from([1, 8]), Buffer.from('10110001')]);

const work = mkdtempSync(path.join(tmpdir(), 'sspr-package-'));
let asarFiles: string[] = [];
let unpacked: string;
let executable: string;

beforeAll(() => {
  // The stub distribution: an executable that says what it is, with the fuse wire inside.
  const dist = path.join(work, 'electron-dist');
  mkdirSync(dist);
  writeFileSync(path.join(dist, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\necho "placeholder Electron distribution (packaging test)" >&2\nexit 1\n# '), FUSE_WIRE, Buffer.from('\n')]));
  chmodSync(path.join(dist, 'electron'), 0o755);
  writeFileSync(path.join(dist, 'version'), `v${electronVersion}`);

  const bin = (name: string) => path.join(root, 'node_modules/.bin', name);
  execFileSync(bin('tsc'), ['-p', 'src-main/tsconfig.json'], { cwd: root, stdio: 'inherit' });
  if (!existsSync(path.join(root, 'dist/renderer/index.html'))) execFileSync(bin('vite'), ['build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  const out = path.join(work, 'out');
  execFileSync(bin('electron-builder'), ['--dir', '--linux', '--x64', `-c.electronDist=${dist}`, `-c.electronVersion=${electronVersion}`, `-c.directories.output=${out}`], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' },
  });
  unpacked = path.join(out, 'linux-unpacked');
  executable = path.join(unpacked, config.linux.executableName);
  asarFiles = listPackage(path.join(unpacked, 'resources/app.asar'), { isPack: false }).map((f) => f.replace(/\\/g, '/'));
}, 240_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('packaged app (electron-builder --dir, placeholder Electron distribution)', () => {
  it('contains main, preload and the renderer build, and the package entry point exists', () => {
    expect(asarFiles).toContain('/package.json');
    expect(asarFiles).toContain(`/${pkg.main}`);
    expect(asarFiles).toContain('/dist/main/src-main/preload/preload.cjs');
    expect(asarFiles).toContain('/dist/main/shared/ipc/contract.js');
    expect(asarFiles).toContain('/dist/renderer/index.html');
    expect(asarFiles.some((f) => /^\/dist\/renderer\/assets\/.+\.js$/.test(f))).toBe(true);
  });

  it('no sources, tests, benchmarks, server code, source maps or TypeScript files', () => {
    const offenders = asarFiles.filter((f) => /^\/(src-main|src-renderer|src-server|shared|test|bench|scripts)\//.test(f) || /\.(map|ts|tsx|cts|mts)$/.test(f) || /^\/dist\/main\/src-server\//.test(f));
    expect(offenders).toEqual([]);
    expect(asarFiles.filter((f) => /(^|\/)(vitest|playwright)\.config/.test(f) || /\/\.sspr-data\//.test(f))).toEqual([]);
  });

  it('node_modules: only what main runs — no dev dependencies, no server-only dependencies', () => {
    const modules = [...new Set(asarFiles.filter((f) => f.startsWith('/node_modules/')).map((f) => {
      const [, , a, b] = f.split('/');
      return a!.startsWith('@') ? `${a}/${b}` : a!;
    }))].filter((m) => !m.endsWith('/undefined') && m !== 'undefined').sort();
    expect(modules).toEqual(['@napi-rs/keyring', '@napi-rs/keyring-linux-x64-gnu', '@zxcvbn-ts/core', '@zxcvbn-ts/dictionary-compression', '@zxcvbn-ts/language-common', '@zxcvbn-ts/language-en', 'fastest-levenshtein', 'keytar', 'zod']);
    for (const dev of Object.keys(pkg.devDependencies)) expect(modules).not.toContain(dev);
    for (const serverOnly of ['fastify', 'better-sqlite3', 'pg', 'ldapts', 'nodemailer', 'kysely', 'react']) expect(modules).not.toContain(serverOnly);
  });

  it('main\'s modules run from the package alone: every runtime import resolves inside it', () => {
    const app = path.join(work, 'extracted');
    extractAll(path.join(unpacked, 'resources/app.asar'), app);
    const probe = [
      "const { Companion } = await import('./dist/main/src-main/node/companion.js');",
      "const { ConfigService } = await import('./dist/main/src-main/node/config-service.js');",
      "const { dispatchIpc } = await import('./dist/main/src-main/common/ipc-dispatch.js');",
      "const { UnavailableSecretStore } = await import('./dist/main/src-main/node/secret-store.js');",
      "const t = { setTimeout: () => ({ id: 0 }), clearTimeout() {} };",
      "const c = new Companion({ app: { name: 'x', version: '1', platform: 'linux', instanceId: 'app-1' }, config: ConfigService.plain(null), secrets: new UnavailableSecretStore('probe'), clock: { now: () => new Date() }, timers: t, notifier: { show() {} }, events: { emit() {} } });",
      "const r = await dispatchIpc(c.handlers, 'config:get', null);",
      "const { PasswordAdvisor } = await import('./dist/main/src-main/node/password-strength.js');",
      "const policy = { minLength: 8, maxAgeDays: 90, historyCount: 5, expiryWarningDays: [14], minCharacterClasses: 3 };",
      "const weak = new PasswordAdvisor().check('Password1!', policy, { username: 'x' }, 'en');",
      "process.stdout.write(JSON.stringify([r.ok, weak.strength, weak.violations.map((v) => v.rule)]));",
    ].join('\n');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: app, encoding: 'utf8', env: { PATH: process.env.PATH!, NODE_PATH: '' } });
    // The handler table answers; zxcvbn-ts loads its dictionaries and knows a common password.
    expect(JSON.parse(out)).toEqual([true, expect.any(Number), ['common']]);
  });

  it('the keychain binding is unpacked next to the asar (native modules cannot load from inside it)', () => {
    expect(existsSync(path.join(unpacked, 'resources/app.asar.unpacked/node_modules/@napi-rs/keyring-linux-x64-gnu'))).toBe(true);
    // keytar, the primary binding: its compiled part only, not its C++ sources.
    expect(existsSync(path.join(unpacked, 'resources/app.asar.unpacked/node_modules/keytar/build/Release/keytar.node'))).toBe(true);
    expect(asarFiles.filter((f) => f.startsWith('/node_modules/keytar/')).sort()).toEqual(['/node_modules/keytar/build', '/node_modules/keytar/build/Release', '/node_modules/keytar/build/Release/keytar.node', '/node_modules/keytar/lib', '/node_modules/keytar/lib/keytar.js', '/node_modules/keytar/package.json']);
  });

  it('fuses are flipped in the packaged binary', async () => {
    const wire = await getCurrentFuseWire(executable);
    const on = (i: FuseV1Options) => String.fromCharCode(wire[i] as number) === '1';
    expect(on(FuseV1Options.RunAsNode)).toBe(false);
    expect(on(FuseV1Options.EnableCookieEncryption)).toBe(true);
    expect(on(FuseV1Options.EnableNodeOptionsEnvironmentVariable)).toBe(false);
    expect(on(FuseV1Options.EnableNodeCliInspectArguments)).toBe(false);
    expect(on(FuseV1Options.EnableEmbeddedAsarIntegrityValidation)).toBe(true);
    expect(on(FuseV1Options.OnlyLoadAppFromAsar)).toBe(true);
    // Shipped on in Electron (the stub's wire above): off here, the renderer is on app://.
    expect(String.fromCharCode(FUSE_WIRE[34 + FuseV1Options.GrantFileProtocolExtraPrivileges] as number)).toBe('1');
    expect(on(FuseV1Options.GrantFileProtocolExtraPrivileges)).toBe(false);
  });
});

describe('installer configuration (built where the network is open)', () => {
  it('identity, asar, and every target: NSIS + MSI per machine, dmg + pkg, deb + rpm + AppImage', () => {
    expect(config).toMatchObject({ appId: 'org.sspr.companion', productName: 'SSPR Companion', asar: true, npmRebuild: false });
    expect(config.win.target.map((t: { target: string }) => t.target)).toEqual(['nsis', 'msi']);
    expect(config.nsis).toMatchObject({ perMachine: true });
    expect(config.msi).toMatchObject({ perMachine: true });
    expect(config.mac.target.map((t: { target: string }) => t.target)).toEqual(['dmg', 'pkg']);
    expect(config.linux.target).toEqual(['deb', 'rpm', 'AppImage']);
  });

  it('the silent install commands are documented in the config', () => {
    const text = readFileSync(path.join(root, 'electron-builder.yml'), 'utf8');
    expect(text).toMatch(/Setup .*\.exe" \/S/);
    expect(text).toMatch(/msiexec \/i .* \/qn/);
    expect(text).toMatch(/installer -pkg .* -target \//);
  });
});
