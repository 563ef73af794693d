import { closeSync, fstatSync, mkdirSync, openSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { PhoneChannel } from '../../shared/api/common.js';

/**
 * Where messages go when no SMTP relay or SMS gateway is configured: one JSON line per
 * message in `<dataDir>/outbox/outbox.jsonl`, so a newcomer can follow a reset locally.
 *
 * The file stays open and each line is appended synchronously: a line to the page cache
 * takes microseconds, where opening and closing the file through libuv's pool for every
 * message cost about 0.3 ms of server CPU per password change (issue 12).
 */
export class Outbox {
  readonly file: string;
  /** The open file and which file it is (device and inode), read once when it is opened. */
  private open: { fd: number; dev: number; ino: number } | null = null;

  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'outbox', 'outbox.jsonl');
  }

  async append(entry: { channel: 'email' | PhoneChannel; to: string; subject?: string; text: string; at: Date }): Promise<void> {
    const line = Buffer.from(JSON.stringify({ ...entry, at: entry.at.toISOString() }) + '\n');
    const fd = this.descriptor();
    for (let done = 0; done < line.length; ) done += writeSync(fd, line, done);
  }

  /**
   * The open file while it is still the one at the path; opened again (folder included) when
   * someone removed or renamed it, so no line goes to an unlinked or moved-away file.
   */
  private descriptor(): number {
    if (this.open) {
      const atPath = statSync(this.file, { throwIfNoEntry: false });
      if (atPath && atPath.ino === this.open.ino && atPath.dev === this.open.dev) return this.open.fd;
    }
    this.close();
    let fd: number;
    try {
      fd = openSync(this.file, 'a', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      fd = openSync(this.file, 'a', 0o600);
    }
    const { dev, ino } = fstatSync(fd);
    this.open = { fd, dev, ino };
    return fd;
  }

  close(): void {
    if (!this.open) return;
    closeSync(this.open.fd);
    this.open = null;
  }
}
