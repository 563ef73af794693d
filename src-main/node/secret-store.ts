/**
 * The keychain seam (like GitHub Desktop's token-store): get / set / delete strings under
 * this app's service name — Keychain on macOS, Credential Manager on Windows, the Secret
 * Service on Linux. Two native bindings store the same entries (same service/account
 * attributes): `keytar`, the card's binding, an optional dependency built from source, and
 * `@napi-rs/keyring` (prebuilt) where keytar's native part is absent. Where there is no
 * keychain the store says so and remembers nothing: secrets are never written to plain
 * files instead.
 */
import { AsyncEntry, type EntryOptions } from '@napi-rs/keyring';

export type KeychainBindingName = 'keytar' | '@napi-rs/keyring';

/** keytar's three calls: the shape both bindings are used through. */
interface KeychainBinding {
  readonly name: KeychainBindingName;
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, value: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

export interface SecretStore {
  /** false: nothing is remembered between runs (the app still works). */
  readonly available: boolean;
  /** Why not, when unavailable (shown in diagnostics; never contains a secret). */
  readonly unavailableReason: string | null;
  /** The native binding in use, for the diagnosis report (test doubles have none). */
  readonly binding?: KeychainBindingName | null;
  get(account: string): Promise<string | null>;
  set(account: string, value: string): Promise<void>;
  /** true when something was deleted. */
  delete(account: string): Promise<boolean>;
}

export class KeychainUnavailableError extends Error {
  constructor(reason: string) {
    super(`The OS keychain is not available: ${reason}`);
    this.name = 'KeychainUnavailableError';
  }
}

/** Remembers nothing; reads find nothing, writes are refused. */
export class UnavailableSecretStore implements SecretStore {
  readonly available = false;
  readonly binding = null;
  constructor(readonly unavailableReason: string) {}
  async get(_account: string): Promise<string | null> {
    return null;
  }
  async set(_account: string, _value: string): Promise<void> {
    throw new KeychainUnavailableError(this.unavailableReason);
  }
  async delete(_account: string): Promise<boolean> {
    return false;
  }
}

/**
 * On Linux the entry is pinned to the Secret Service: the library's other Linux store, the
 * kernel keyring, is lost at reboot and would make "remembered" silently untrue.
 */
function entryOptions(platform: NodeJS.Platform): EntryOptions | undefined {
  return platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined;
}

/** `@napi-rs/keyring` through keytar's shape. */
export function napiKeyringBinding(platform: NodeJS.Platform = process.platform): KeychainBinding {
  const entry = (service: string, account: string) => new AsyncEntry(service, account, entryOptions(platform));
  return {
    name: '@napi-rs/keyring',
    getPassword: (service, account) => entry(service, account).getPassword(),
    setPassword: (service, account, value) => entry(service, account).setPassword(value),
    deletePassword: (service, account) => entry(service, account).deleteCredential(),
  };
}

/**
 * keytar, or why it cannot be used (not installed, or its native part did not build). The
 * specifier is a variable: keytar is optional, so its types cannot be required either.
 */
export async function loadKeytar(specifier = 'keytar'): Promise<KeychainBinding | { unavailable: string }> {
  try {
    const mod = (await import(specifier)) as { default?: Omit<KeychainBinding, 'name'> } & Omit<KeychainBinding, 'name'>;
    const api = mod.default ?? mod;
    if (typeof api.getPassword !== 'function') return { unavailable: 'keytar has no getPassword' };
    return {
      name: 'keytar',
      getPassword: (service, account) => api.getPassword(service, account),
      setPassword: (service, account, value) => api.setPassword(service, account, value),
      deletePassword: (service, account) => api.deletePassword(service, account),
    };
  } catch (err) {
    return { unavailable: describe(err) };
  }
}

class BindingSecretStore implements SecretStore {
  readonly available = true;
  readonly unavailableReason = null;
  readonly binding: KeychainBindingName;
  constructor(
    private readonly service: string,
    private readonly native: KeychainBinding,
  ) {
    this.binding = native.name;
  }

  get(account: string): Promise<string | null> {
    return this.native.getPassword(this.service, account);
  }

  set(account: string, value: string): Promise<void> {
    return this.native.setPassword(this.service, account, value);
  }

  delete(account: string): Promise<boolean> {
    return this.native.deletePassword(this.service, account);
  }
}

/** keytar first, `@napi-rs/keyring` where keytar cannot load. */
async function defaultBindings(platform: NodeJS.Platform = process.platform): Promise<(KeychainBinding | { unavailable: string })[]> {
  return [await loadKeytar(), napiKeyringBinding(platform)];
}

/**
 * The first binding whose round trip works (write, read back, delete a probe entry),
 * otherwise an `UnavailableSecretStore` with the reasons (binding missing, no D-Bus
 * session, no Secret Service, locked).
 */
export async function openSecretStore(service: string, platform: NodeJS.Platform = process.platform, bindings?: (KeychainBinding | { unavailable: string })[]): Promise<SecretStore> {
  const reasons: string[] = [];
  for (const binding of bindings ?? (await defaultBindings(platform))) {
    if ('unavailable' in binding) {
      reasons.push(binding.unavailable);
      continue;
    }
    const store = new BindingSecretStore(service, binding);
    const probe = `probe-${process.pid}-${Date.now()}`;
    try {
      await store.set(probe, 'probe');
      const back = await store.get(probe);
      await store.delete(probe);
      if (back === 'probe') return store;
      reasons.push(`${binding.name}: the keychain did not return what was stored`);
    } catch (err) {
      reasons.push(`${binding.name}: ${describe(err)}`);
    }
  }
  // The last binding's reason is the keychain's own; earlier ones say why a binding was skipped.
  return new UnavailableSecretStore(reasons.at(-1) ?? 'no keychain binding');
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.slice(0, 200);
}
