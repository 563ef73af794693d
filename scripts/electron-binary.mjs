// Where the Electron binary is, and fetching it the way the `electron` package itself does on
// first use (its install.js: @electron/get, which honours ELECTRON_MIRROR, ELECTRON_CUSTOM_DIR,
// electron_config_cache and, with ELECTRON_GET_USE_PROXY=true, HTTPS_PROXY/NO_PROXY).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const ELECTRON_PACKAGE_DIR = path.join(root, 'node_modules', 'electron');

/** `{ path }` when the binary exists, otherwise `{ path: null, reason }`; never downloads. */
export function findElectronBinary(pkgDir = ELECTRON_PACKAGE_DIR) {
  const pathFile = path.join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(pkgDir, 'dist');
  const binary = path.join(dist, relative);
  if (existsSync(binary)) return { path: binary, reason: null };
  return { path: null, reason: `no Electron binary at ${binary} (npm start downloads it on first start: ELECTRON_MIRROR for a mirror, ELECTRON_GET_USE_PROXY=true with HTTPS_PROXY behind a proxy, or ELECTRON_OVERRIDE_DIST_PATH for an Electron distribution already on disk)` };
}

/**
 * Runs the package's own install.js (download, checksum against the package's checksums.json,
 * unzip into its dist/), killed after `timeoutMs`. Resolves `{ ok: true }` or
 * `{ ok: false, reason }` with the installer's error in one line.
 */
export function downloadElectron({ pkgDir = ELECTRON_PACKAGE_DIR, timeoutMs = 600_000, env = process.env } = {}) {
  return new Promise((resolve) => {
    // The installer's dependencies resolve from the real install even for a copied package (tests).
    const nodePath = [path.join(ELECTRON_PACKAGE_DIR, 'node_modules'), path.dirname(ELECTRON_PACKAGE_DIR), env.NODE_PATH].filter(Boolean).join(path.delimiter);
    const child = spawn(process.execPath, [path.join(pkgDir, 'install.js')], { env: { ...env, NODE_PATH: nodePath, ELECTRON_GET_NO_PROGRESS: env.ELECTRON_GET_NO_PROGRESS ?? '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve({ ok: false, reason: `timed out after ${Math.round(timeoutMs / 1000)} s` });
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, reason: err.message });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      const first = stderr.split('\n').find((l) => l.trim()) ?? `exit code ${code}`;
      resolve(code === 0 ? { ok: true } : { ok: false, reason: first.trim() });
    });
  });
}

/**
 * The binary, downloading it first when missing. On failure `{ path: null, reason }` where
 * `reason` is what `findElectronBinary` says, and `download` is the installer's one-line error.
 */
export async function prepareElectron({ pkgDir = ELECTRON_PACKAGE_DIR, timeoutMs, env } = {}) {
  const found = findElectronBinary(pkgDir);
  if (found.path || process.env.ELECTRON_OVERRIDE_DIST_PATH) return found;
  const download = await downloadElectron({ pkgDir, timeoutMs, env });
  const after = findElectronBinary(pkgDir);
  return after.path ? after : { ...after, download: download.ok ? 'installer finished without a binary' : download.reason };
}

/** The one line `npm start` prints when there is no desktop app to start. */
export function notStartedLine(reason, serverUrl) {
  return `desktop app not started: ${reason.replace(/ \(.*$/, '')}; the server keeps running at ${serverUrl}`;
}
