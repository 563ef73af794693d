/** The settings in force for this run: defaults, the user's settings, IT's managed config. */
import type { EffectiveConfig, ManagedConfig, UserSettings } from '../../shared/ipc/config.js';
import type { Locale } from '../../shared/api/common.js';
import { effectiveConfig, managedKeysIn, NO_MANAGED, type AppDefaults, type ManagedState } from '../common/effective-config.js';

/** Where user settings are kept (a JSON file in production, memory in tests and the test host). */
interface UserSettingsStore {
  readonly settings: UserSettings;
  update(change: UserSettings): UserSettings;
}

export class MemorySettings implements UserSettingsStore {
  constructor(public settings: UserSettings = {}) {}
  update(change: UserSettings): UserSettings {
    this.settings = { ...this.settings, ...change };
    return this.settings;
  }
}

type ConfigChange = { ok: true; config: EffectiveConfig } | { ok: false; managed: string[] } | { ok: false; kioskOnlyLocale: true };

export class ConfigService {
  /** Kiosk: a visitor's language choice lasts until the idle reset, never persisted. */
  private kioskLocale: Locale | null = null;

  constructor(
    private readonly defaults: AppDefaults,
    private readonly user: UserSettingsStore,
    private managed: ManagedState = NO_MANAGED,
  ) {}

  /** For tests and the test host: a server URL and optional managed values, nothing on disk. */
  static plain(serverUrl: string | null, managed: ManagedConfig = {}, locale: Locale = 'en'): ConfigService {
    const state: ManagedState = Object.keys(managed).length ? { config: managed, source: { kind: 'linux-file', location: '(test)' }, problem: null } : NO_MANAGED;
    return new ConfigService({ serverUrl, locale }, new MemorySettings(), state);
  }

  get(): EffectiveConfig {
    const config = effectiveConfig(this.defaults, this.user.settings, this.managed);
    return this.kioskLocale && config.kioskMode && !config.managed.includes('locale') ? { ...config, locale: this.kioskLocale } : config;
  }

  set(change: UserSettings): ConfigChange {
    const current = this.get();
    const managed = managedKeysIn(change, this.managed.config);
    if (managed.length) return { ok: false, managed };
    if (current.kioskMode) {
      const keys = Object.keys(change).filter((k) => change[k as keyof UserSettings] !== undefined);
      if (keys.some((k) => k !== 'locale')) return { ok: false, kioskOnlyLocale: true };
      if (change.locale) this.kioskLocale = change.locale;
      return { ok: true, config: this.get() };
    }
    this.user.update(change);
    return { ok: true, config: this.get() };
  }

  /** Replaces the managed state (re-read at start; tests swap it). */
  setManaged(managed: ManagedState): void {
    this.managed = managed;
  }

  /** The idle reset forgets a kiosk visitor's choices. */
  resetVisitor(): void {
    this.kioskLocale = null;
  }
}
