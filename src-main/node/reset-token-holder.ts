/**
 * Main's side of the reset in progress: it holds the server's reset session token (in
 * memory only) and forgets it on cancel, on completion, when the server says it expired, and
 * on idle. Every state it hands on is the server's own `ResetSessionView`.
 */
import type { Locale, PhoneChannel } from '../../shared/api/common.js';
import type { ResetSessionView } from '../../shared/api/reset.js';
import type { RouteName } from '../../shared/api/routes.js';
import type { IpcParsedInput, IpcResult } from '../../shared/ipc/contract.js';
import type { PasswordOwner } from '../../shared/rules/password.js';
import { ipcError } from '../common/problem.js';
import type { ApiClient, CallOptions, RouteOutcome } from './api-client.js';

interface HeldReset {
  token: string;
  /** The name as typed, until the server names the account (every gate passed). */
  username: string;
  owner: PasswordOwner | null;
  lastChallengeId: string | null;
}

export class ResetTokenHolder {
  private held: HeldReset | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly locale: () => Locale,
  ) {}

  get inProgress(): boolean {
    return this.held !== null;
  }

  /**
   * Whose password the checklist checks: the account as the server names it once every gate
   * is passed (user name, display name, email: the inputs of the server's name rule), else
   * the name as typed.
   */
  get passwordOwner(): PasswordOwner | null {
    return this.held ? (this.held.owner ?? { username: this.held.username }) : null;
  }

  async start(username: string): Promise<IpcResult<ResetSessionView>> {
    await this.cancel();
    const r = await this.api.call('createResetSession', { body: { username } });
    if (!r.ok) return r;
    this.held = { token: r.value.sessionToken, username, owner: null, lastChallengeId: null };
    return this.state();
  }

  async state(): Promise<IpcResult<ResetSessionView>> {
    const r = await this.call('getResetSession', {});
    if (r.ok) this.learnOwner(r.value);
    return r;
  }

  async challenge(methodId: string, channel: PhoneChannel | undefined) {
    const r = await this.call('createChallenge', { body: { methodId, ...(channel ? { channel } : {}), locale: this.locale() } });
    if (r.ok && this.held) this.held.lastChallengeId = r.value.challengeId;
    return r;
  }

  async verify(input: IpcParsedInput<'reset:verify'>) {
    const challengeId = input.challengeId ?? this.held?.lastChallengeId;
    if (this.held && !challengeId) return { ok: false as const, error: ipcError('invalid_input', 'Start a challenge first.') };
    const body = 'code' in input ? { code: input.code } : { answers: input.answers };
    const r = await this.call('verifyChallenge', { params: { challengeId: challengeId ?? '' }, body });
    if (r.ok) this.learnOwner(r.value.session);
    return r;
  }

  async setPassword(input: IpcParsedInput<'reset:setPassword'>) {
    const r = await this.call('setResetPassword', { body: input });
    if (r.ok) this.forget();
    return r;
  }

  async unlock() {
    const r = await this.call('unlockAccount', {});
    if (r.ok) this.forget();
    return r;
  }

  /** Cancels on the server (best effort) and forgets the token. */
  async cancel(): Promise<void> {
    const held = this.held;
    this.forget();
    if (held) await this.api.call('cancelResetSession', { token: held.token });
  }

  forget(): void {
    this.held = null;
  }

  private learnOwner(view: ResetSessionView): void {
    if (this.held && view.passwordOwner) this.held.owner = view.passwordOwner;
  }

  private async call<N extends RouteName>(name: N, options: Omit<CallOptions<N>, 'token'>): Promise<RouteOutcome<N>> {
    if (!this.held) return { ok: false, error: ipcError('no_reset_session', 'No reset is in progress. Start again.') };
    const r = await this.api.call(name, { ...options, token: this.held.token } as CallOptions<N>);
    // The server no longer knows this session (expired, or ended elsewhere): start over.
    if (!r.ok && r.error.code === 'session_expired') this.forget();
    return r;
  }
}
