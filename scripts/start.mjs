// `npm start`: the product on its embedded defaults — the server on 127.0.0.1:8787 with demo
// users, data under ./.sspr-data, codes to the local outbox, the admin console at /admin, and
// the desktop app, fetching Electron's binary on first start like the electron package does.
import { execFileSync, spawn } from 'node:child_process';
import { findElectronBinary, notStartedLine, prepareElectron } from './electron-binary.mjs';

// The admin console (served at /admin) is a small Vite build: a few seconds.
execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '-c', 'vite.admin.config.ts', '--logLevel', 'warn'], { stdio: 'inherit' });
const server = spawn(process.execPath, ['--import', 'tsx', 'src-server/main.ts', '--demo'], { stdio: 'inherit' });
const stop = (signal) => server.kill(signal);
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
server.on('exit', (code) => process.exit(code ?? 0));

// Then the desktop app against it. A first start downloads Electron's binary (ELECTRON_MIRROR,
// the usual cache, a proxy with ELECTRON_GET_USE_PROXY=true), time-boxed so an offline machine
// still gets its server.
const serverUrl = `http://${process.env.SSPR_HOST ?? '127.0.0.1'}:${process.env.SSPR_PORT ?? '8787'}`;
const timeoutMs = Number(process.env.SSPR_ELECTRON_DOWNLOAD_TIMEOUT_S ?? 600) * 1000;
if (!findElectronBinary().path) console.log(`desktop app: fetching the Electron binary (first start only, at most ${timeoutMs / 1000} s)…`);
const electron = await prepareElectron({ timeoutMs });
if (!electron.path) console.log(notStartedLine(electron.reason, serverUrl));
else void launchApp(electron.path);

async function launchApp(binary) {
  for (let i = 0; i < 100; i++) {
    if (await fetch(`${serverUrl}/healthz`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  execFileSync(process.execPath, ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
  execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'src-main/tsconfig.json'], { stdio: 'inherit' });
  const app = spawn(binary, ['.'], { stdio: 'inherit', env: { ...process.env, SSPR_SERVER_URL: serverUrl } });
  app.on('exit', () => console.log(`desktop app closed; the server keeps running at ${serverUrl} (Ctrl-C stops it)`));
}
