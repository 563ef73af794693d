/**
 * What the app remembers per user, all in the keychain: the refresh token, the last known
 * `/me/status` (so it can warn and nudge offline and start without a round trip), which
 * notifications were already shown, and this device's push-approval key. Without a keychain
 * the values live in memory for this run only. Entries are small and separate (Windows
 * Credential Manager caps one secret at 2.5 KB).
 */
import { z } from 'zod';
import { UserInfo } from '../../shared/api/auth.js';
import { MeStatus } from '../../shared/api/me.js';
import { EMPTY_ALERT_MEMORY, type AlertMemory } from '../common/status-alerts.js';
import type { SecretStore } from './secret-store.js';

const AlertMemorySchema = z.object({
  expiresAt: z.string().nullable(),
  notifiedThresholds: z.array(z.number().int()),
  nudged: z.array(z.string()),
});

const PushKey = z.object({
  methodId: z.string().nullable(),
  /** Ed25519 private key, PKCS#8 DER, base64. */
  privateKey: z.string(),
  /** SPKI DER, base64, as registered with the server. */
  publicKey: z.string(),
});
type PushKey = z.infer<typeof PushKey>;

const LAST_USER = 'last-user';
const key = {
  refresh: (u: string) => `refresh-token:${u}`,
  status: (u: string) => `status:${u}`,
  alerts: (u: string) => `alerts:${u}`,
  push: (u: string) => `push-key:${u}`,
};

export class AccountCache {
  /** This run's copy: the source of truth when the keychain is unavailable. */
  private readonly memory = new Map<string, string>();

  constructor(readonly store: SecretStore) {}

  get persistent(): boolean {
    return this.store.available;
  }

  /** Who was signed in last: restored at start with their refresh token. */
  lastUser(): Promise<UserInfo | null> {
    return this.readJson(LAST_USER, UserInfo);
  }

  setLastUser(user: UserInfo | null): Promise<void> {
    return this.write(LAST_USER, user && JSON.stringify(user));
  }

  refreshToken(username: string): Promise<string | null> {
    return this.read(key.refresh(username));
  }

  setRefreshToken(username: string, token: string | null): Promise<void> {
    return this.write(key.refresh(username), token);
  }

  async status(username: string): Promise<MeStatus | null> {
    return this.readJson(key.status(username), MeStatus);
  }

  setStatus(username: string, status: MeStatus): Promise<void> {
    return this.write(key.status(username), JSON.stringify(status));
  }

  async alerts(username: string): Promise<AlertMemory> {
    return (await this.readJson(key.alerts(username), AlertMemorySchema)) ?? EMPTY_ALERT_MEMORY;
  }

  setAlerts(username: string, memory: AlertMemory): Promise<void> {
    return this.write(key.alerts(username), JSON.stringify(memory));
  }

  pushKey(username: string): Promise<PushKey | null> {
    return this.readJson(key.push(username), PushKey);
  }

  setPushKey(username: string, value: PushKey | null): Promise<void> {
    return this.write(key.push(username), value && JSON.stringify(value));
  }

  /**
   * Sign-out: the refresh token and cached state go. The push key stays: it is this
   * device's registered method, and the user may sign in again.
   */
  async forgetSession(username: string): Promise<void> {
    await this.write(key.refresh(username), null);
    await this.write(key.status(username), null);
    await this.write(key.alerts(username), null);
    if ((await this.lastUser())?.username === username) await this.setLastUser(null);
  }

  private async read(account: string): Promise<string | null> {
    if (this.memory.has(account)) return this.memory.get(account)!;
    if (!this.store.available) return null;
    try {
      const value = await this.store.get(account);
      if (value !== null) this.memory.set(account, value);
      return value;
    } catch {
      return null;
    }
  }

  private async readJson<T>(account: string, schema: z.ZodType<T>): Promise<T | null> {
    const raw = await this.read(account);
    if (raw === null) return null;
    try {
      const parsed = schema.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  private async write(account: string, value: string | null): Promise<void> {
    if (value === null) this.memory.delete(account);
    else this.memory.set(account, value);
    if (!this.store.available) return;
    try {
      if (value === null) await this.store.delete(account);
      else await this.store.set(account, value);
    } catch {
      // A keychain that fails mid-run (locked again) leaves this run's memory copy; never a file.
    }
  }
}
