import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { PhoneChannel } from '../../shared/api/common.js';

/**
 * Where messages go when no SMTP relay or SMS gateway is configured: one JSON line per
 * message in `<dataDir>/outbox/outbox.jsonl`, so a newcomer can follow a reset locally.
 */
export class Outbox {
  readonly file: string;
  constructor(dataDir: string) {
    this.file = path.join(dataDir, 'outbox', 'outbox.jsonl');
  }

  async append(entry: { channel: 'email' | PhoneChannel; to: string; subject?: string; text: string; at: Date }): Promise<void> {
    const line = JSON.stringify({ ...entry, at: entry.at.toISOString() }) + '\n';
    try {
      await appendFile(this.file, line, { mode: 0o600 });
    } catch (error) {
      // The folder is made when first needed (and again if removed), not before every message.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
      await appendFile(this.file, line, { mode: 0o600 });
    }
  }
}
