import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { CompanionBridge } from '../../shared/ipc/contract.js';
import { CATALOGUES, type Catalogue } from '../i18n/index.js';
import type { AccountState, AccountStore } from './account-store.js';
import type { AppState, AppStore } from './app-store.js';
import type { ResetState, ResetStore } from './reset-store.js';

/** The window's stores, built once at start from the bridge (no module-level singletons). */
export interface Stores {
  bridge: CompanionBridge;
  app: AppStore;
  reset: ResetStore;
  account: AccountStore;
}

const StoresContext = createContext<Stores | null>(null);

export function StoresProvider({ stores, children }: { stores: Stores; children: ReactNode }) {
  return <StoresContext.Provider value={stores}>{children}</StoresContext.Provider>;
}

export function useStores(): Stores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('useStores outside StoresProvider');
  return stores;
}

export function useApp<T>(selector: (s: AppState) => T): T {
  return useStore(useStores().app, selector);
}

export function useReset<T>(selector: (s: ResetState) => T): T {
  return useStore(useStores().reset, selector);
}

export function useAccount<T>(selector: (s: AccountState) => T): T {
  return useStore(useStores().account, selector);
}

/** The catalogue of the current locale. */
export function useT(): Catalogue {
  return CATALOGUES[useApp((s) => s.locale)];
}

/** Organisation name and the "contact your administrator" text: managed config over policy (R20). */
export function useBranding(): { organizationName: string | null; logo: string | null; contact: string; contactConfigured: boolean } {
  const t = useT();
  const config = useApp((s) => s.config);
  const policy = useApp((s) => s.policy);
  const configured = config?.branding.contactAdmin ?? policy?.branding.contactAdmin ?? null;
  return {
    organizationName: config?.branding.organizationName ?? (policy?.branding.organizationName || null),
    logo: config?.branding.logoDataUrl ?? null,
    contact: configured ?? t.app.contactFallback,
    contactConfigured: configured !== null,
  };
}
