/**
 * The reset in progress. Its session token lives here, in main's memory only, and is
 * forgotten on cancel, on completion, when the server says it expired, and on idle.
 */
import type { ResetSessionState } from '../../shared/api/reset.js';
import type { Locale } from '../../shared/api/common.js';
import type { RouteName, RouteResponse } from '../../shared/api/routes.js';
import type { IpcResult } from '../../shared/ipc/contract.js';
import { ipcError } from '../common/problem.js';
import type { ApiClient, ApiOutcome, CallOptions } from './api-client.js';

interface ActiveReset {
  token: string;
  username: string;
  lastChallengeId: string | null;
}

type Outcome<T> = IpcResult<T>;

export class ResetSession {
  private active: ActiveReset | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly locale: () => Locale,
  ) {}

  get inProgress(): boolean {
    return this.active !== null;
  }

  /** The user name typed at the start (for the password checklist's name rule). */
  get username(): string | null {
    return this.active?.username ?? null;
  }

  async start(username: string): Promise<Outcome<ResetSessionState>> {
    await this.cancel();
    const r = await this.api.call('createResetSession', { body: { username } });
    if (!r.ok) return r;
    this.active = { token: r.value.sessionToken, username, lastChallengeId: null };
    const { requiredMethods, methods, expiresAt } = r.value;
    return { ok: true, value: { state: 'verifying', gatesPassed: 0, requiredMethods, methods, passedMethodIds: [], expiresAt } };
  }

  state(): Promise<Outcome<ResetSessionState>> {
    return this.call('getResetSession', {});
  }

  async challenge(methodId: string, channel: 'sms' | 'voice' | undefined) {
    const r = await this.call('createChallenge', { body: { methodId, ...(channel ? { channel } : {}), locale: this.locale() } });
    if (r.ok && this.active) this.active.lastChallengeId = r.value.challengeId;
    return r;
  }

  verify(input: { challengeId?: string | undefined } & ({ code: string } | { answers: { questionId: string; answer: string }[] })) {
    const challengeId = input.challengeId ?? this.active?.lastChallengeId;
    if (this.active && !challengeId) return Promise.resolve({ ok: false as const, error: ipcError('invalid_input', 'Start a challenge first.') });
    const body = 'code' in input ? { code: input.code } : { answers: input.answers };
    return this.call('verifyChallenge', { params: { challengeId: challengeId ?? '' }, body });
  }

  async setPassword(newPassword: string, unlockAccount: boolean) {
    const r = await this.call('setResetPassword', { body: { newPassword, unlockAccount } });
    if (r.ok) this.forget();
    return r;
  }

  /** Cancels on the server (best effort) and forgets the token. */
  async cancel(): Promise<void> {
    const active = this.active;
    this.forget();
    if (active) await this.api.call('cancelResetSession', { token: active.token });
  }

  forget(): void {
    this.active = null;
  }

  private async call<N extends RouteName>(name: N, options: Omit<CallOptions<N>, 'token'>): Promise<ApiOutcome<RouteResponse<N>>> {
    if (!this.active) return { ok: false, error: ipcError('no_reset_session', 'No reset is in progress. Start again.') };
    const r = await this.api.call(name, { ...options, token: this.active.token } as CallOptions<N>);
    // The server no longer knows this session (expired, or ended elsewhere): start over.
    if (!r.ok && r.error.code === 'session_expired') this.forget();
    return r;
  }
}
