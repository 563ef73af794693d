import { createStore } from 'zustand/vanilla';
import type { Locale, MethodType } from '../../shared/api/common.js';
import type { PublicPolicy } from '../../shared/api/policy.js';
import type { EffectiveConfig } from '../../shared/ipc/config.js';
import type { AppInfo, CompanionBridge, ExpiryWarning, IpcError, RegistrationNudge } from '../../shared/ipc/contract.js';
import { call } from './call.js';

/** Which screen the window shows; the reset wizard keeps its own steps. */
export type Screen =
  | { name: 'loading' }
  | { name: 'reset' }
  | { name: 'signIn' }
  | { name: 'home' }
  | { name: 'changePassword' }
  | { name: 'register'; method: MethodType }
  | { name: 'approvals' }
  /** "Why can't I reset here?"; `back`: the screen it was opened from. */
  | { name: 'diagnosis'; back: Screen };

export interface Banners {
  expiry: ExpiryWarning | null;
  nudge: RegistrationNudge | null;
  approval: boolean;
  /** Kiosk: the idle timeout wiped the flow (said once on the start screen). */
  idle: boolean;
}

export interface AppState {
  locale: Locale;
  config: EffectiveConfig | null;
  info: AppInfo | null;
  policy: PublicPolicy | null;
  /** Why start-up could not load the policy (not configured, server down). */
  loadError: IpcError | null;
  screen: Screen;
  banners: Banners;
  /** The server asked for a proof-of-work and main is solving it: say so, nothing to do. */
  checkingDevice: boolean;
  setCheckingDevice(active: boolean): void;
  /** Bumped on every screen change so the new screen's heading takes focus. */
  navigation: number;
  /** Loads the config and the app info; the policy arrives in the background. */
  load(): Promise<void>;
  setLocale(locale: Locale): Promise<void>;
  go(screen: Screen): void;
  setBanner<K extends keyof Banners>(kind: K, value: Banners[K]): void;
}

const NO_BANNERS: Banners = { expiry: null, nudge: null, approval: false, idle: false };

export type AppStore = ReturnType<typeof createAppStore>;

export function createAppStore(bridge: CompanionBridge, initialLocale: Locale) {
  return createStore<AppState>()((set, get) => ({
    locale: initialLocale,
    config: null,
    info: null,
    policy: null,
    loadError: null,
    screen: { name: 'loading' },
    banners: NO_BANNERS,
    checkingDevice: false,
    navigation: 0,

    setCheckingDevice(active) {
      set({ checkingDevice: active });
    },

    async load() {
      // The first screen waits for the config (kiosk? locale?) and the info (`--diagnose`?); the policy follows.
      void call(bridge, 'policy:get').then((r) => set(r.ok ? { policy: r.value, loadError: null } : { loadError: r.error }));
      const [config, info] = await Promise.all([call(bridge, 'config:get'), call(bridge, 'app:getInfo')]);
      if (info.ok) set({ info: info.value });
      if (config.ok) set({ config: config.value, locale: config.value.locale });
    },

    async setLocale(locale) {
      set({ locale });
      // Persisted by main where allowed; a managed locale still switches for this window.
      const result = await call(bridge, 'config:set', { locale });
      if (result.ok) set({ config: result.value, locale });
    },

    go(screen) {
      set({ screen, navigation: get().navigation + 1 });
    },

    setBanner(kind, value) {
      set({ banners: { ...get().banners, [kind]: value } });
    },
  }));
}
