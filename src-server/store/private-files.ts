import { chmodSync, closeSync, existsSync, lstatSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

/** What the server keeps in its data folder: the SQLite store, the generated secrets, the local outbox. */
const DATA_ENTRIES = ['sspr.db', 'sspr.db-wal', 'sspr.db-shm', 'secret.key', 'admin-token', 'outbox'];

/**
 * The data folder holds the database, the secret key and the admin token: it and those are
 * readable by the server's account only (0700 / 0600), whatever the umask, and tightened when
 * an earlier start or an operator left them open. Other files an operator put there are left alone.
 */
export function makePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const name of DATA_ENTRIES) {
    const p = path.join(dir, name);
    if (!existsSync(p)) continue;
    const stat = lstatSync(p);
    if (stat.isSymbolicLink() || !(stat.mode & 0o077)) continue;
    chmodSync(p, stat.isDirectory() ? 0o700 : 0o600);
  }
}

/** Creates `file` as 0600 if missing, and sets it and any of `others` that exist to 0600. */
export function makePrivateFiles(file: string, ...others: string[]): void {
  if (!existsSync(file)) closeSync(openSync(file, 'a', 0o600));
  for (const f of [file, ...others]) if (existsSync(f)) chmodSync(f, 0o600);
}
