import { mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '../../src-server/notify/outbox.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { to: string });

describe('the local outbox (no SMTP relay or SMS gateway configured)', () => {
  it('makes its folder on first use and again when it was removed, starts a new file when it was moved away, one JSON line per message', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-outbox-'));
    dirs.push(dataDir);
    const outbox = new Outbox(dataDir);
    const at = new Date('2026-01-01T00:00:00Z');
    await outbox.append({ channel: 'email', to: 'a@corp.example', subject: 's', text: 't', at });
    await outbox.append({ channel: 'sms', to: '+81901234567', text: 't', at });
    expect(lines(outbox.file).map((l) => l.to)).toEqual(['a@corp.example', '+81901234567']);
    rmSync(path.dirname(outbox.file), { recursive: true });
    await outbox.append({ channel: 'email', to: 'b@corp.example', subject: 's', text: 't', at });
    expect(lines(outbox.file).map((l) => l.to)).toEqual(['b@corp.example']);
    // Moved away (rotated): the next line starts a new file at the path.
    renameSync(outbox.file, `${outbox.file}.1`);
    await outbox.append({ channel: 'email', to: 'c@corp.example', subject: 's', text: 't', at });
    expect(lines(outbox.file).map((l) => l.to)).toEqual(['c@corp.example']);
    expect(lines(`${outbox.file}.1`).map((l) => l.to)).toEqual(['b@corp.example']);
    outbox.close();
  });
});
