/**
 * Start at login on Linux: an XDG autostart entry (Electron's login-item API covers only
 * Windows and macOS). Written when auto-start is on, removed when it is off.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const AUTOSTART_FILE = 'sspr-companion.desktop';

export function autostartEntry(executable: string, name: string): string {
  // Desktop-entry Exec quoting: a path with spaces is double-quoted, quotes and backslashes escaped.
  const quoted = /[\s"\\`$]/.test(executable) ? `"${executable.replace(/(["\\`$])/g, '\\$1')}"` : executable;
  return ['[Desktop Entry]', 'Type=Application', `Name=${name}`, `Exec=${quoted} --hidden`, 'X-GNOME-Autostart-enabled=true', 'NoDisplay=true', ''].join('\n');
}

/** `configHome`: $XDG_CONFIG_HOME or ~/.config. */
export function setLinuxAutostart(configHome: string, enabled: boolean, executable: string, name: string): void {
  const file = path.join(configHome, 'autostart', AUTOSTART_FILE);
  if (!enabled) {
    if (existsSync(file)) rmSync(file);
    return;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, autostartEntry(executable, name));
}
