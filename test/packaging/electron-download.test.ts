import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ELECTRON_PACKAGE_DIR, downloadElectron, notStartedLine, prepareElectron } from '../../scripts/electron-binary.mjs';
import { storedZip } from '../helpers/stored-zip.js';

/**
 * `npm start` fetches Electron through the electron package's own install.js, offline: a
 * mirror on 127.0.0.1 (ELECTRON_MIRROR) serves a placeholder distribution. Each case runs on
 * a copy of the package (install.js unzips into the package's dist/, and the real
 * node_modules is shared) with its own download cache.
 */
const version = (JSON.parse(readFileSync(path.join(ELECTRON_PACKAGE_DIR, 'package.json'), 'utf8')) as { version: string }).version;
const zipName = `electron-v${version}-linux-x64.zip`;
const placeholder = storedZip([
  { name: 'electron', data: Buffer.from('#!/bin/sh\necho placeholder Electron\n'), mode: 0o755 },
  { name: 'version', data: Buffer.from(`v${version}`), mode: 0o644 },
]);
const placeholderSha = createHash('sha256').update(placeholder).digest('hex');

const work = mkdtempSync(path.join(tmpdir(), 'sspr-electron-get-'));
let mirror: Server;
let mirrorUrl: string;
let requested: string[] = [];

beforeAll(async () => {
  mirror = createServer((req, res) => {
    requested.push(req.url ?? '');
    if (req.url?.startsWith('/hang/')) return; // never answers: the time box must end it
    if (req.url === `/ok/v${version}/${zipName}`) {
      res.writeHead(200, { 'content-type': 'application/zip', 'content-length': placeholder.length }).end(placeholder);
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
  mirrorUrl = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}`;
});
afterAll(async () => {
  mirror.closeAllConnections();
  await new Promise<void>((resolve) => mirror.close(() => resolve()));
  rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  requested = [];
});

/** A copy of the electron package (no binary yet); `checksum` replaces the zip's entry in checksums.json. */
function packageCopy(name: string, checksum?: string): string {
  const dir = path.join(work, name, 'electron');
  mkdirSync(dir, { recursive: true });
  for (const f of ['install.js', 'package.json', 'checksums.json']) copyFileSync(path.join(ELECTRON_PACKAGE_DIR, f), path.join(dir, f));
  if (checksum) {
    const sums = JSON.parse(readFileSync(path.join(dir, 'checksums.json'), 'utf8')) as Record<string, string>;
    expect(sums[zipName], 'the real checksums.json lists the linux-x64 zip').toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(path.join(dir, 'checksums.json'), JSON.stringify({ ...sums, [zipName]: checksum }));
  }
  return dir;
}

function env(mirrorPath: string, name: string): NodeJS.ProcessEnv {
  const { ELECTRON_OVERRIDE_DIST_PATH: _override, ...rest } = process.env;
  return { ...rest, ELECTRON_MIRROR: `${mirrorUrl}/${mirrorPath}/`, electron_config_cache: path.join(work, name, 'cache'), ELECTRON_INSTALL_PLATFORM: 'linux', ELECTRON_INSTALL_ARCH: 'x64' };
}

const onLinuxX64 = process.platform === 'linux' && process.arch === 'x64';
if (!onLinuxX64) console.warn(`electron-download: skipped, the placeholder is a linux-x64 distribution (this is ${process.platform}-${process.arch})`);

describe.runIf(onLinuxX64)('npm start: the Electron download', () => {
  it('downloads from ELECTRON_MIRROR, checks the checksum, unzips and finds the binary', async () => {
    const pkgDir = packageCopy('ok', placeholderSha);
    const result = await prepareElectron({ pkgDir, timeoutMs: 60_000, env: env('ok', 'ok') });
    expect(result).toEqual({ path: path.join(pkgDir, 'dist', 'electron'), reason: null });
    expect(requested).toContain(`/ok/v${version}/${zipName}`);
    expect(readFileSync(result.path!, 'utf8')).toContain('placeholder Electron');
    expect(statSync(result.path!).mode & 0o111, 'the binary is executable').not.toBe(0);
    expect(readFileSync(path.join(pkgDir, 'path.txt'), 'utf8')).toBe('electron');
    // The usual cache keeps the zip: a second package copy installs without asking the mirror.
    requested = [];
    const again = await prepareElectron({ pkgDir: packageCopy('ok-again', placeholderSha), timeoutMs: 60_000, env: env('ok', 'ok') });
    expect(again.path).not.toBeNull();
    expect(requested).toEqual([]);
  });

  it('refuses a distribution whose checksum does not match the package\'s checksums.json', async () => {
    // The real checksums.json: the placeholder is not Electron.
    const pkgDir = packageCopy('mismatch');
    const result = await downloadElectron({ pkgDir, timeoutMs: 60_000, env: env('ok', 'mismatch') });
    expect(result).toEqual({ ok: false, reason: expect.stringMatching(/checksum/i) });
    expect(requested).toContain(`/ok/v${version}/${zipName}`);
    expect(existsSync(path.join(pkgDir, 'dist', 'electron'))).toBe(false);
  });

  it('ends a download that hangs at the time box', async () => {
    const started = Date.now();
    const result = await downloadElectron({ pkgDir: packageCopy('hang', placeholderSha), timeoutMs: 1_500, env: env('hang', 'hang') });
    expect(result).toEqual({ ok: false, reason: 'timed out after 2 s' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('falls back to today\'s one line when the download fails', async () => {
    const pkgDir = packageCopy('missing', placeholderSha);
    const result = await prepareElectron({ pkgDir, timeoutMs: 60_000, env: env('missing', 'missing') });
    expect(result.path).toBeNull();
    expect(result).toMatchObject({ download: expect.stringMatching(/404/) });
    expect(notStartedLine(result.reason!, 'http://127.0.0.1:8787')).toBe(`desktop app not started: no Electron binary at ${path.join(pkgDir, 'dist', 'electron')}; the server keeps running at http://127.0.0.1:8787`);
  });
});
