/**
 * The keychain seam (like GitHub Desktop's token-store): get / set / delete strings under
 * this app's service name. Production: `@napi-rs/keyring` (keytar-compatible, prebuilt; keytar
 * is archived upstream) — Keychain on macOS, Credential Manager on Windows, the Secret
 * Service on Linux. Where there is no keychain the store says so and remembers nothing:
 * secrets are never written to plain files instead.
 */
import { AsyncEntry, type EntryOptions } from '@napi-rs/keyring';

export interface SecretStore {
  /** false: nothing is remembered between runs (the app still works). */
  readonly available: boolean;
  /** Why not, when unavailable (shown in diagnostics; never contains a secret). */
  readonly unavailableReason: string | null;
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

export class KeyringSecretStore implements SecretStore {
  readonly available = true;
  readonly unavailableReason = null;
  constructor(
    private readonly service: string,
    private readonly platform: NodeJS.Platform = process.platform,
  ) {}

  private entry(account: string): AsyncEntry {
    return new AsyncEntry(this.service, account, entryOptions(this.platform));
  }

  get(account: string): Promise<string | null> {
    return this.entry(account).getPassword();
  }

  set(account: string, value: string): Promise<void> {
    return this.entry(account).setPassword(value);
  }

  delete(account: string): Promise<boolean> {
    return this.entry(account).deleteCredential();
  }
}

/**
 * The keychain if a round trip works (write, read back, delete a probe entry), otherwise an
 * `UnavailableSecretStore` with the reason (no D-Bus session, no Secret Service, locked).
 */
export async function openSecretStore(service: string, platform: NodeJS.Platform = process.platform): Promise<SecretStore> {
  const store = new KeyringSecretStore(service, platform);
  const probe = `probe-${process.pid}-${Date.now()}`;
  try {
    await store.set(probe, 'probe');
    const back = await store.get(probe);
    await store.delete(probe);
    if (back !== 'probe') return new UnavailableSecretStore('the keychain did not return what was stored');
    return store;
  } catch (err) {
    return new UnavailableSecretStore(describe(err));
  }
}

function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.slice(0, 200);
}
