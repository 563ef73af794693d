/**
 * The signed-in user, owned by main: access token in memory, refresh token in the keychain,
 * restored at start (offline from the cache when the server cannot be reached), refreshed
 * when the access token lapses, re-established after a password change.
 */
import type { UserInfo, TokenResponse } from '../../shared/api/auth.js';
import type { RouteName } from '../../shared/api/routes.js';
import type { IpcError, SessionInfo } from '../../shared/ipc/contract.js';
import { ipcError } from '../common/problem.js';
import type { Clock } from '../common/time.js';
import type { AccountCache } from './account-cache.js';
import type { ApiClient, CallOptions, RouteOutcome } from './api-client.js';

interface Tokens {
  user: UserInfo;
  /** null while offline (restored from the keychain without the server). */
  accessToken: string | null;
  accessExpiresAt: number;
  refreshToken: string;
}

/** Access tokens are renewed this long before they lapse. */
const EARLY_REFRESH_MS = 30_000;

export function isUnreachable(error: IpcError): boolean {
  return error.code === 'network' || error.code === 'timeout';
}

export class AccountSession {
  private tokens: Tokens | null = null;
  /** After `password_expired`: the change token allows only `POST /me/password` (R15). */
  private pendingChange: { username: string; changeToken: string } | null = null;
  private refreshing: Promise<boolean> | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly cache: AccountCache,
    private readonly clock: Clock,
    private readonly instanceId: string,
    private readonly onChange: (info: SessionInfo) => void,
  ) {}

  get user(): UserInfo | null {
    return this.tokens?.user ?? null;
  }

  get username(): string | null {
    return this.tokens?.user.username ?? this.pendingChange?.username ?? null;
  }

  info(): SessionInfo {
    return {
      signedIn: this.tokens !== null,
      user: this.tokens?.user ?? null,
      offline: this.tokens !== null && this.tokens.accessToken === null,
      passwordChangeRequired: this.pendingChange !== null,
    };
  }

  /** At start: the last user's refresh token from the keychain, if any. */
  async restore(): Promise<SessionInfo> {
    const user = await this.cache.lastUser();
    const refreshToken = user && (await this.cache.refreshToken(user.username));
    if (!user || !refreshToken) return this.info();
    this.tokens = { user, accessToken: null, accessExpiresAt: 0, refreshToken };
    // Unreachable server: stay signed in offline, so cached warnings still show.
    if (!(await this.refresh()) && this.tokens) this.onChange(this.info());
    return this.info();
  }

  async signIn(username: string, password: string): Promise<{ ok: true; value: SessionInfo } | { ok: false; error: IpcError; changeToken?: string }> {
    const r = await this.api.call('signIn', { body: { username, password, client: this.instanceId } });
    if (!r.ok) return r;
    await this.adopt(r.value);
    return { ok: true, value: this.info() };
  }

  /** Keeps the change token an expired-password sign-in answered with. */
  holdPasswordChange(username: string, changeToken: string): void {
    this.pendingChange = { username, changeToken };
    this.onChange(this.info());
  }

  async signOut(): Promise<SessionInfo> {
    const t = this.tokens;
    this.pendingChange = null;
    if (t) {
      this.tokens = null;
      if (t.accessToken) await this.api.call('signOut', { body: { refreshToken: t.refreshToken }, token: t.accessToken });
      await this.cache.forgetSession(t.user.username);
    }
    this.onChange(this.info());
    return this.info();
  }

  /** `POST /me/password` with the access token, or with the change token after `password_expired`. */
  changePasswordToken(): string | null {
    return this.pendingChange?.changeToken ?? this.tokens?.accessToken ?? null;
  }

  clearPendingChange(): void {
    this.pendingChange = null;
  }

  /** A call as the signed-in user: renews the access token when needed, once on `unauthorized`. */
  async call<N extends RouteName>(name: N, options: Omit<CallOptions<N>, 'token'>): Promise<RouteOutcome<N>> {
    if (!this.tokens) return { ok: false, error: ipcError('not_signed_in', 'Sign in first.') };
    if (this.tokens.accessToken === null || this.tokens.accessExpiresAt - EARLY_REFRESH_MS <= this.clock.now().getTime()) {
      if (!(await this.refresh())) return this.tokens ? { ok: false, error: ipcError('network', 'The server cannot be reached.') } : { ok: false, error: ipcError('not_signed_in', 'The sign-in has ended. Sign in again.') };
    }
    let r = await this.api.call(name, { ...options, token: this.tokens.accessToken } as CallOptions<N>);
    if (!r.ok && r.error.code === 'unauthorized' && this.tokens) {
      if (!(await this.refresh())) return this.tokens ? r : { ok: false, error: ipcError('not_signed_in', 'The sign-in has ended. Sign in again.') };
      r = await this.api.call(name, { ...options, token: this.tokens!.accessToken } as CallOptions<N>);
    }
    return r;
  }

  /**
   * Rotates the refresh token. false when it failed: unreachable (still signed in, offline)
   * or refused (signed out, token forgotten). Concurrent callers share one rotation, since a
   * rotated-away token must not be presented twice.
   */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.doRefresh().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async doRefresh(): Promise<boolean> {
    const t = this.tokens;
    if (!t) return false;
    const r = await this.api.call('refresh', { body: { refreshToken: t.refreshToken } });
    if (r.ok) {
      await this.adopt(r.value);
      return true;
    }
    if (isUnreachable(r.error)) {
      t.accessToken = null;
      return false;
    }
    this.tokens = null;
    await this.cache.forgetSession(t.user.username);
    this.onChange(this.info());
    return false;
  }

  private async adopt(tokens: TokenResponse): Promise<void> {
    const wasOffline = this.tokens?.accessToken === null;
    const changedUser = this.tokens?.user.username !== tokens.user.username;
    this.tokens = {
      user: tokens.user,
      accessToken: tokens.accessToken,
      accessExpiresAt: new Date(tokens.accessExpiresAt).getTime(),
      refreshToken: tokens.refreshToken,
    };
    this.pendingChange = null;
    await this.cache.setLastUser(tokens.user);
    await this.cache.setRefreshToken(tokens.user.username, tokens.refreshToken);
    if (wasOffline || changedUser) this.onChange(this.info());
  }
}
