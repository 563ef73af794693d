// Where the Electron binary is, without triggering the `electron` package's download (which
// cannot work offline): `{ path }` when it exists, otherwise `{ path: null, reason }`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export function findElectronBinary() {
  const pkgDir = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : process.platform === 'win32' ? 'electron.exe' : process.platform === 'darwin' ? 'Electron.app/Contents/MacOS/Electron' : 'electron';
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || path.join(pkgDir, 'dist');
  const binary = path.join(dist, relative);
  if (existsSync(binary)) return { path: binary, reason: null };
  return { path: null, reason: `no Electron binary at ${binary} (the electron package is installed for its types only; its binary cannot be downloaded here — set ELECTRON_OVERRIDE_DIST_PATH to an Electron distribution to use one)` };
}
