/**
 * The step-up in progress (R26): a one-gate session proving a method the signed-in user
 * holds before they change their methods. Its token lives here, in main's memory only, and
 * is forgotten once proven, on a new start, and when the server says it expired.
 */
import type { Locale } from '../../shared/api/common.js';
import type { IpcResult } from '../../shared/ipc/contract.js';
import type { StepUpStatus } from '../../shared/api/trust.js';
import type { CreateResetSessionResponse } from '../../shared/api/reset.js';
import { ipcError } from '../common/problem.js';
import type { AccountSession } from './account-session.js';
import type { ApiClient } from './api-client.js';

export class StepUpSession {
  private active: { token: string; lastChallengeId: string | null } | null = null;

  constructor(
    private readonly api: ApiClient,
    private readonly session: AccountSession,
    private readonly locale: () => Locale,
  ) {}

  status(): Promise<IpcResult<StepUpStatus>> {
    return this.session.call('getStepUp', {});
  }

  async start(): Promise<IpcResult<CreateResetSessionResponse>> {
    this.active = null;
    const r = await this.session.call('startStepUp', {});
    if (r.ok) this.active = { token: r.value.sessionToken, lastChallengeId: null };
    return r;
  }

  async challenge(methodId: string, channel: 'sms' | 'voice' | undefined) {
    if (!this.active) return { ok: false as const, error: ipcError('no_reset_session', 'Start again.') };
    const r = await this.api.call('createChallenge', { token: this.active.token, body: { methodId, ...(channel ? { channel } : {}), locale: this.locale() } });
    if (r.ok) this.active.lastChallengeId = r.value.challengeId;
    else if (r.error.code === 'session_expired') this.active = null;
    return r;
  }

  /** Verifies the code and, once the gate is passed, completes the step-up for this sign-in. */
  async verify(code: string): Promise<IpcResult<StepUpStatus>> {
    const active = this.active;
    if (!active?.lastChallengeId) return { ok: false, error: ipcError('no_reset_session', 'Send a code first.') };
    const r = await this.api.call('verifyChallenge', { token: active.token, params: { challengeId: active.lastChallengeId }, body: { code } });
    if (!r.ok) {
      if (r.error.code === 'session_expired') this.active = null;
      return r;
    }
    return this.complete();
  }

  /** For a push: once approved on the other device, the step-up completes. */
  async complete(): Promise<IpcResult<StepUpStatus>> {
    if (!this.active) return { ok: false, error: ipcError('no_reset_session', 'Start again.') };
    const r = await this.session.call('completeStepUp', { body: { sessionToken: this.active.token } });
    if (r.ok || r.error.code === 'session_expired') this.active = null;
    return r;
  }

  withPass(pass: string): Promise<IpcResult<StepUpStatus>> {
    return this.session.call('stepUpWithPass', { body: { pass } });
  }
}
