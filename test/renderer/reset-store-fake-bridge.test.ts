/**
 * The reset wizard's store against a scripted bridge (no server, no main): the screen logic
 * the full-stack test (reset-store.test.ts) reaches only slowly or not at all — which problem
 * becomes which screen, the retry after a directory outage, the busy guard, a bridge that
 * throws. The bridge's answers are parsed by the contract's own schemas, so they are shapes
 * the real main process can send.
 */
import { describe, expect, it } from 'vitest';
import { Challenge, ResetSessionView, SetResetPasswordResponse, VerifyChallengeResponse, type ResetMethod } from '../../shared/api/reset.js';
import type { CompanionBridge, IpcChannel, IpcError, IpcInputArgs, IpcOutput, IpcResult } from '../../shared/ipc/contract.js';
import { createResetStore } from '../../src-renderer/stores/reset-store.js';

type Answer<C extends IpcChannel> = IpcResult<IpcOutput<C>> | (() => Promise<IpcResult<IpcOutput<C>>>);

/** A bridge that answers each channel from a queue, and records every call in order. */
function scriptedBridge() {
  const queues = new Map<IpcChannel, Array<Answer<IpcChannel>>>();
  const calls: Array<{ channel: IpcChannel; input: unknown }> = [];
  const bridge: CompanionBridge = {
    async invoke<C extends IpcChannel>(channel: C, ...input: IpcInputArgs<C>): Promise<IpcResult<IpcOutput<C>>> {
      calls.push({ channel, input: input[0] });
      const next = queues.get(channel)?.shift();
      if (!next) throw new Error(`unexpected call: ${channel}`);
      return (typeof next === 'function' ? await next() : next) as IpcResult<IpcOutput<C>>;
    },
    on: () => () => undefined,
  };
  return {
    bridge,
    calls,
    answer<C extends IpcChannel>(channel: C, ...answers: Array<Answer<C>>) {
      queues.set(channel, [...(queues.get(channel) ?? []), ...(answers as Array<Answer<IpcChannel>>)]);
    },
  };
}

const ok = <T>(value: T) => ({ ok: true as const, value });
const problem = (error: IpcError) => ({ ok: false as const, error });

const EMAIL: ResetMethod = { id: 'm-email', type: 'email', hint: 'm***@example.net' };
const QUESTIONS: ResetMethod = { id: 'm-questions', type: 'securityQuestions', hint: '3 questions' };

function view(overrides: Partial<ResetSessionView> = {}): ResetSessionView {
  return ResetSessionView.parse({ state: 'verifying', gatesPassed: 0, requiredMethods: 1, methods: [EMAIL, QUESTIONS], passedMethodIds: [], expiresAt: '2026-11-30T09:15:00.000Z', ...overrides });
}

const challenge = (id: string, type: ResetMethod['type'] = 'email') => Challenge.parse({ challengeId: id, type, expiresAt: '2026-11-30T09:10:00.000Z' });

const NOW = Date.parse('2026-11-30T09:00:00.000Z');

describe('reset store against a scripted bridge', () => {
  it('R11a: locked_out becomes the locked screen with the time it may be tried again, from the clock passed in', async () => {
    const s = scriptedBridge();
    s.answer('reset:start', problem({ code: 'locked_out', detail: 'Locked.', retryAfterSeconds: 900 }));
    const store = createResetStore(s.bridge, () => NOW);
    await store.getState().start('mika');
    expect(store.getState()).toMatchObject({ step: 'locked', retryAt: NOW + 900_000, challenge: null });
  });

  it('R18a: the directory down at the last step keeps the session; "Try again" repeats the same write and finishes', async () => {
    const s = scriptedBridge();
    s.answer('reset:start', ok(view()));
    s.answer('reset:challenge', ok(challenge('c1')));
    s.answer('reset:verify', ok(VerifyChallengeResponse.parse({ gatesPassed: 1, requiredMethods: 1, complete: true, session: view({ state: 'ready', gatesPassed: 1, passedMethodIds: [EMAIL.id] }) })));
    s.answer(
      'reset:setPassword',
      problem({ code: 'directory_unavailable', detail: 'The directory is not answering.' }),
      ok(SetResetPasswordResponse.parse({ unlocked: true, changedAt: '2026-11-30T09:01:00.000Z' })),
    );
    const store = createResetStore(s.bridge, () => NOW);
    await store.getState().start('mika');
    await store.getState().choose(EMAIL);
    await store.getState().verifyCode('123456');
    expect(store.getState().step).toBe('password');

    await store.getState().setPassword('Granite-Harbor-Lantern-47', true);
    expect(store.getState()).toMatchObject({ step: 'unavailable', error: { code: 'directory_unavailable' } });
    expect(store.getState().view).not.toBeNull();

    await store.getState().retryLast();
    expect(store.getState()).toMatchObject({ step: 'done', retry: null, view: null, result: { unlocked: true } });
    const writes = s.calls.filter((c) => c.channel === 'reset:setPassword');
    expect(writes).toHaveLength(2);
    expect(writes[1]!.input).toEqual(writes[0]!.input);
  });

  it('an expired session becomes the expired screen and forgets the view', async () => {
    const s = scriptedBridge();
    s.answer('reset:start', ok(view()));
    s.answer('reset:challenge', problem({ code: 'session_expired', detail: 'Start again.' }));
    const store = createResetStore(s.bridge, () => NOW);
    await store.getState().start('mika');
    await store.getState().choose(EMAIL);
    expect(store.getState()).toMatchObject({ step: 'expired', view: null, challenge: null, error: null });
  });

  it('R9d: wrong answers fetch a fresh draw and keep the error shown on the same screen', async () => {
    const s = scriptedBridge();
    s.answer('reset:start', ok(view()));
    s.answer('reset:challenge', ok(challenge('q1', 'securityQuestions')), ok(challenge('q2', 'securityQuestions')));
    s.answer('reset:verify', problem({ code: 'invalid_answers', detail: 'Not all answers match.', attemptsRemaining: 4 }));
    const store = createResetStore(s.bridge, () => NOW);
    await store.getState().start('mika');
    await store.getState().choose(QUESTIONS);
    await store.getState().verifyAnswers([{ questionId: 'p01', answer: 'Sapporo' }]);
    expect(store.getState()).toMatchObject({ step: 'verify', error: { code: 'invalid_answers', attemptsRemaining: 4 }, challenge: { challengeId: 'q2', methodId: QUESTIONS.id } });
    expect(s.calls.map((c) => c.channel)).toEqual(['reset:start', 'reset:challenge', 'reset:verify', 'reset:challenge']);
  });

  it('a second action while one is in flight is ignored: one call reaches main', async () => {
    const s = scriptedBridge();
    let release!: () => void;
    s.answer('reset:start', () => new Promise((resolve) => (release = () => resolve(ok(view())))));
    const store = createResetStore(s.bridge, () => NOW);
    const first = store.getState().start('mika');
    await store.getState().start('mika');
    expect(store.getState().busy).toBe(true);
    release();
    await first;
    expect(s.calls).toHaveLength(1);
    expect(store.getState()).toMatchObject({ step: 'verify', busy: false, username: 'mika' });
  });

  it('a bridge that throws shows an internal error inline and leaves the step as it was', async () => {
    const s = scriptedBridge();
    s.answer('reset:start', () => Promise.reject(new Error('window closed')));
    const store = createResetStore(s.bridge, () => NOW);
    await store.getState().start('mika');
    expect(store.getState()).toMatchObject({ step: 'identify', busy: false, error: { code: 'internal' } });
  });

  it('cancel tells main only when a session exists, and forgets everything either way', async () => {
    const s = scriptedBridge();
    const store = createResetStore(s.bridge, () => NOW);
    await store.getState().cancel();
    expect(s.calls).toHaveLength(0);
    s.answer('reset:start', ok(view()));
    s.answer('reset:cancel', ok(null));
    await store.getState().start('mika');
    await store.getState().cancel();
    expect(s.calls.map((c) => c.channel)).toEqual(['reset:start', 'reset:cancel']);
    expect(store.getState()).toMatchObject({ step: 'identify', view: null, username: '' });
  });
});
