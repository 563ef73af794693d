import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * The data folder holds the database, the secret key and the admin token: it and what lies
 * in it are readable by the server's account only (0700 / 0600), whatever the umask, and
 * tightened when an earlier start or an operator left them open.
 */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if ((entry.isFile() || entry.isDirectory()) && statSync(p).mode & 0o077) chmodSync(p, entry.isDirectory() ? 0o700 : 0o600);
  }
}

/** Creates `file` as 0600 if missing, and sets any of `files` that exist to 0600. */
export function makePrivateFiles(file: string, ...others: string[]): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, ...others]) if (existsSync(f)) chmodSync(f, 0o600);
}
