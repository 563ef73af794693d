#!/usr/bin/env node
// `sspr-admin <command>`: the admin CLI from its compiled bundle (scripts/build-cli.mjs) when
// that is newer than every source it was built from, else straight from the sources by tsx —
// so an edited source never runs stale, and a fresh clone works before any build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bundle = path.join(root, 'dist/cli/admin.js');

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : entry.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return newest;
}

const built = existsSync(bundle) ? statSync(bundle).mtimeMs : 0;
const args = process.argv.slice(2);
if (built > Math.max(newestSource(path.join(root, 'src-server')), newestSource(path.join(root, 'shared')))) {
  const { runCli } = await import(pathToFileURL(bundle).href);
  await runCli(args);
} else {
  const tsx = path.join(root, 'node_modules/.bin/tsx');
  const r = spawnSync(tsx, [path.join(root, 'src-server/cli/admin.ts'), ...args], { stdio: 'inherit' });
  process.exitCode = r.status ?? 1;
}
