/** Settings in force: built-in defaults, then the user's, then IT's managed values (which win). */
import type { Locale } from '../../shared/api/common.js';
import type { EffectiveConfig, ManagedConfig, SettingKey, UserSettings } from '../../shared/ipc/config.js';
import { MANAGED_SOURCES } from '../../shared/ipc/config.js';

export interface AppDefaults {
  serverUrl: string | null;
  locale: Locale;
}

export interface ManagedState {
  config: ManagedConfig;
  source: { kind: (typeof MANAGED_SOURCES)[number]; location: string } | null;
  problem: string | null;
}

export const NO_MANAGED: ManagedState = { config: {}, source: null, problem: null };
const DEFAULT_IDLE_TIMEOUT_SECONDS = 120;

export function effectiveConfig(defaults: AppDefaults, user: UserSettings, managed: ManagedState): EffectiveConfig {
  const m = managed.config;
  return {
    serverUrl: m.serverUrl ?? user.serverUrl ?? defaults.serverUrl,
    kioskMode: m.kioskMode ?? false,
    locale: m.locale ?? user.locale ?? defaults.locale,
    branding: m.branding ?? {},
    warningDays: m.warningDays ?? null,
    autoStart: m.autoStart ?? user.autoStart ?? true,
    updateChannel: m.updateChannel ?? 'stable',
    idleTimeoutSeconds: m.idleTimeoutSeconds ?? DEFAULT_IDLE_TIMEOUT_SECONDS,
    managed: (Object.keys(m) as SettingKey[]).filter((k) => m[k] !== undefined),
    managedSource: managed.source,
    problem: managed.problem,
  };
}

/** The keys of `change` IT manages (a change to any of them is refused). */
export function managedKeysIn(change: UserSettings, managed: ManagedConfig): SettingKey[] {
  return (Object.keys(change) as (keyof UserSettings)[]).filter((k) => change[k] !== undefined && managed[k] !== undefined);
}

/** The OS locale (`ja-JP`, `en-US`) as one of ours. */
export function localeFromOs(tag: string | null | undefined): Locale {
  return tag?.toLowerCase().startsWith('ja') ? 'ja' : 'en';
}
