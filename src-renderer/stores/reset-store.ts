import { createStore } from 'zustand/vanilla';
import type { PhoneChannel } from '../../shared/api/common.js';
import type { Challenge, ResetMethod, ResetSessionView, SetResetPasswordResponse, UnlockAccountResponse } from '../../shared/api/reset.js';
import type { CompanionBridge, IpcError } from '../../shared/ipc/contract.js';
import { call } from './call.js';

/**
 * The reset wizard: identify → verify (one screen per gate: choose a method and prove it
 * in place) → new password → done. Problem steps: locked, expired, unavailable.
 */
export type ResetStep = 'identify' | 'verify' | 'password' | 'done' | 'locked' | 'expired' | 'unavailable';

/** The challenge in progress, with what the screen needs to describe it. */
export interface ActiveChallenge extends Challenge {
  methodId: string;
  channel?: PhoneChannel;
  hint: string;
  /** Push only: the server's verdict while polling. */
  pushStatus?: 'waiting' | 'approved' | 'denied';
}

export interface ResetState {
  step: ResetStep;
  username: string;
  /** The server's reset session as last seen: gates, methods, pending challenge. */
  view: ResetSessionView | null;
  challenge: ActiveChallenge | null;
  /** The last error to show inline (codes, answers, password rules, rate limits). */
  error: IpcError | null;
  busy: boolean;
  /** Locked: when reset may be tried again (epoch ms), if the server said. */
  retryAt: number | null;
  result: SetResetPasswordResponse | null;
  /** R37: the session ended with "unlock my account", the password kept. */
  unlocked: UnlockAccountResponse | null;
  /** Kept past the gates for the done screen: when the directory last saw a wrong password. */
  lastFailedSignInAt: string | null;
  /** Directory down: the action to repeat; the session is kept. */
  retry: (() => Promise<void>) | null;

  start(username: string): Promise<void>;
  choose(method: ResetMethod, channel?: PhoneChannel): Promise<void>;
  verifyCode(code: string): Promise<void>;
  verifyAnswers(answers: Array<{ questionId: string; answer: string }>): Promise<void>;
  /** Push: asks main for the session state; advances when approved. */
  pollPush(): Promise<void>;
  setPassword(newPassword: string, unlockAccount: boolean): Promise<void>;
  /** R37: unlock the account and keep the password (offered only when the session says locked). */
  unlock(): Promise<void>;
  /** Back to the method list of this gate (another method). */
  clearChallenge(): void;
  retryLast(): Promise<void>;
  /** Cancels the server session and forgets everything (also the idle wipe). */
  cancel(): Promise<void>;
  /** Forgets everything without telling main (main already forgot: idle wipe). */
  wipe(): void;
}

const INITIAL = {
  step: 'identify' as ResetStep,
  username: '',
  view: null,
  challenge: null,
  error: null,
  busy: false,
  retryAt: null,
  result: null,
  unlocked: null,
  lastFailedSignInAt: null,
  retry: null,
};

export type ResetStore = ReturnType<typeof createResetStore>;

export function createResetStore(bridge: CompanionBridge, now: () => number = Date.now) {
  return createStore<ResetState>()((set, get) => {
    /** Runs one server step with a busy flag; a problem becomes a screen or an inline error. */
    async function step(action: () => Promise<void>): Promise<void> {
      if (get().busy) return;
      set({ busy: true, error: null });
      try {
        await action();
      } finally {
        set({ busy: false });
      }
    }

    /** Screens for the problems that end or pause the flow; the rest stays inline. */
    function fail(error: IpcError, again: () => Promise<void>): void {
      switch (error.code) {
        case 'locked_out':
          set({ step: 'locked', challenge: null, retryAt: error.retryAfterSeconds ? now() + error.retryAfterSeconds * 1000 : null, error });
          return;
        case 'session_expired':
        case 'no_reset_session':
          set({ step: 'expired', challenge: null, view: null, error: null });
          return;
        case 'directory_unavailable':
          set({ step: 'unavailable', retry: again, error });
          return;
        default:
          set({ error });
      }
    }

    /** After a gate: the password step, or the next gate on the same screen shape (one update, no flash). */
    function afterGate(view: ResetSessionView, complete: boolean): void {
      set({ view, challenge: null, error: null, step: complete || view.state === 'ready' ? 'password' : 'verify', lastFailedSignInAt: view.lastFailedSignInAt ?? null });
    }

    async function challenge(method: ResetMethod, channel?: PhoneChannel): Promise<void> {
      const result = await call(bridge, 'reset:challenge', channel ? { methodId: method.id, channel } : { methodId: method.id });
      if (!result.ok) return fail(result.error, () => challenge(method, channel));
      set({
        challenge: { ...result.value, methodId: method.id, hint: method.hint, ...(channel ? { channel } : {}), ...(method.type === 'authenticatorPush' ? { pushStatus: 'waiting' as const } : {}) },
      });
    }

    return {
      ...INITIAL,

      start: (username) =>
        step(async () => {
          const run = async (): Promise<void> => {
            const result = await call(bridge, 'reset:start', { username });
            if (!result.ok) return fail(result.error, run);
            set({ username, view: result.value, challenge: null, step: 'verify' });
          };
          await run();
        }),

      choose: (method, channel) => step(() => challenge(method, channel)),

      verifyCode: (code) =>
        step(async () => {
          const run = async (): Promise<void> => {
            const current = get().challenge;
            if (!current) return;
            const result = await call(bridge, 'reset:verify', { challengeId: current.challengeId, code });
            if (!result.ok) return fail(result.error, run);
            afterGate(result.value.session, result.value.complete);
          };
          await run();
        }),

      verifyAnswers: (answers) =>
        step(async () => {
          const run = async (): Promise<void> => {
            const current = get().challenge;
            if (!current) return;
            const result = await call(bridge, 'reset:verify', { challengeId: current.challengeId, answers });
            if (result.ok) return afterGate(result.value.session, result.value.complete);
            fail(result.error, run);
            // R9d: a wrong answer starts a fresh random draw; fetch it, keep the error shown.
            if (result.error.code === 'invalid_answers') {
              const error = result.error;
              const method = get().view?.methods.find((m) => m.id === current.methodId);
              if (method) {
                await challenge(method);
                if (get().step === 'verify') set({ error });
              }
            }
          };
          await run();
        }),

      async pollPush() {
        const current = get().challenge;
        if (!current || current.type !== 'authenticatorPush' || get().busy) return;
        const result = await call(bridge, 'reset:state');
        if (!result.ok) return fail(result.error, () => get().pollPush());
        const state = result.value;
        set({ view: state });
        const pending = state.pendingChallenge;
        const passed = state.passedMethodIds.includes(current.methodId);
        if (passed || pending?.status === 'approved') {
          set({ challenge: { ...current, pushStatus: 'approved' } });
          afterGate(state, state.state === 'ready' || state.gatesPassed >= state.requiredMethods);
        } else if (pending?.status === 'denied') {
          set({ challenge: { ...current, pushStatus: 'denied' } });
        } else if (state.state === 'locked') {
          set({ step: 'locked', challenge: null, retryAt: null });
        } else if (state.state === 'expired') {
          set({ step: 'expired', challenge: null });
        }
      },

      setPassword: (newPassword, unlockAccount) =>
        step(async () => {
          const run = async (): Promise<void> => {
            const result = await call(bridge, 'reset:setPassword', { newPassword, unlockAccount });
            if (!result.ok) return fail(result.error, run);
            set({ result: result.value, step: 'done', view: null, challenge: null, retry: null });
          };
          await run();
        }),

      unlock: () =>
        step(async () => {
          const run = async (): Promise<void> => {
            const result = await call(bridge, 'reset:unlock');
            if (!result.ok) return fail(result.error, run);
            set({ unlocked: result.value, step: 'done', view: null, challenge: null, retry: null });
          };
          await run();
        }),

      clearChallenge() {
        set({ challenge: null, error: null });
      },

      async retryLast() {
        const again = get().retry;
        if (!again) return;
        const back: ResetStep = get().view ? (get().view!.state === 'ready' ? 'password' : 'verify') : 'identify';
        set({ step: back, retry: null, error: null });
        await step(again);
      },

      async cancel() {
        const hadSession = get().view !== null;
        set({ ...INITIAL });
        if (hadSession) await call(bridge, 'reset:cancel');
      },

      wipe() {
        set({ ...INITIAL });
      },
    };
  });
}
