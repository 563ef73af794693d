/**
 * The user's own settings and this installation's instance id, in a JSON file under the
 * app's user-data folder. Nothing secret goes here (secrets live in the keychain only).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserSettings } from '../../shared/ipc/config.js';

const SettingsFile = z.object({
  instanceId: z.string().regex(/^[\w.:-]{1,64}$/),
  settings: UserSettings,
});
type SettingsFile = z.infer<typeof SettingsFile>;

export class SettingsStore {
  private data: SettingsFile;
  private readonly file: string;

  constructor(dir: string) {
    this.file = path.join(dir, 'settings.json');
    this.data = this.load() ?? { instanceId: `app-${randomBytes(8).toString('hex')}`, settings: {} };
  }

  get instanceId(): string {
    return this.data.instanceId;
  }

  get settings(): UserSettings {
    return this.data.settings;
  }

  update(change: UserSettings): UserSettings {
    this.data = { ...this.data, settings: { ...this.data.settings, ...change } };
    this.save();
    return this.data.settings;
  }

  /** Writes the instance id on first run, so audit events keep one id per installation. */
  save(): void {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.data, null, 2), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  private load(): SettingsFile | null {
    try {
      const parsed = SettingsFile.safeParse(JSON.parse(readFileSync(this.file, 'utf8')));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }
}
