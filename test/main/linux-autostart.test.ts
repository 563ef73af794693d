import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AUTOSTART_FILE, autostartEntry, setLinuxAutostart } from '../../src-main/node/linux-autostart.js';

const home = mkdtempSync(path.join(tmpdir(), 'sspr-autostart-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('auto-start at login on Linux (XDG autostart entry)', () => {
  it('written when on (starting hidden in the tray), removed when off', () => {
    const file = path.join(home, 'autostart', AUTOSTART_FILE);
    setLinuxAutostart(home, true, '/opt/SSPR Companion/sspr-companion', 'SSPR Companion');
    expect(readFileSync(file, 'utf8')).toContain('Exec="/opt/SSPR Companion/sspr-companion" --hidden');
    setLinuxAutostart(home, false, '/opt/SSPR Companion/sspr-companion', 'SSPR Companion');
    expect(existsSync(file)).toBe(false);
    setLinuxAutostart(home, false, '/x', 'x');
  });

  it('quotes what the desktop-entry format needs quoted', () => {
    expect(autostartEntry('/usr/bin/sspr-companion', 'SSPR')).toContain('Exec=/usr/bin/sspr-companion --hidden');
    expect(autostartEntry('/home/a"b/$x', 'SSPR')).toContain('Exec="/home/a\\"b/\\$x" --hidden');
  });
});
