import { describe, expect, it } from 'vitest';
import { admit, afterFailure, countInWindows, retryAfterSeconds, type ThrottleEvent, type ThrottleKind } from '../../src-server/throttle/rules.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const T0 = Date.parse('2026-01-05T09:00:00Z');

/** Replays `events` the way the store would: each admitted attempt adds its events. */
function decide(events: ThrottleEvent[], kinds: ThrottleKind[], now: number, lock: { until: number; rule: 'R11a' | 'R11b' | 'R11c' } | null = null) {
  return admit({ counts: countInWindows(events, now), kinds, lock, now });
}

function times(kind: ThrottleKind, n: number, start: number, stepMs: number): ThrottleEvent[] {
  return Array.from({ length: n }, (_, i) => ({ kind, at: start + i * stepMs }));
}

describe('throttle rules (pure, time moved by hand)', () => {
  it('R11a: the fifth failure within 24 h locks for 24 h; failures older than 24 h do not count', () => {
    expect(afterFailure(1, T0)).toEqual({ attemptsRemaining: 4, lockedUntil: null });
    expect(afterFailure(4, T0)).toEqual({ attemptsRemaining: 1, lockedUntil: null });
    expect(afterFailure(5, T0)).toEqual({ attemptsRemaining: 0, lockedUntil: T0 + DAY });
    const failures = times('failure', 4, T0, HOUR);
    // With four failures in the window a verification may still go ahead...
    expect(decide(failures, ['failure'], T0 + 5 * HOUR).allowed).toBe(true);
    // ...with five it may not, and it trips the lock.
    const five = [...failures, { kind: 'failure' as const, at: T0 + 5 * HOUR }];
    expect(decide(five, ['failure'], T0 + 6 * HOUR)).toMatchObject({ allowed: false, rule: 'R11a', tripped: true, lockedUntil: T0 + 6 * HOUR + DAY });
    // 24 h after the first failure it has left the window: four remain, room again.
    expect(countInWindows(five, T0 + DAY + 1).failure).toBe(4);
    expect(decide(five, ['failure'], T0 + DAY + 1).allowed).toBe(true);
  });

  it('R11b: at most 5 texts, phone and app verifications and question checks per hour each; the sixth locks for 24 h', () => {
    for (const kind of ['phone.sent', 'phone.verify', 'app.verify', 'question.check'] as const) {
      const five = times(kind, 5, T0, 5 * MIN);
      expect(decide(times(kind, 4, T0, 5 * MIN), [kind], T0 + 30 * MIN).allowed).toBe(true);
      expect(decide(five, [kind], T0 + 30 * MIN)).toMatchObject({ allowed: false, rule: 'R11b', tripped: true, lockedUntil: T0 + 30 * MIN + DAY });
      // An hour after the first, it has dropped out of the window.
      expect(decide(five, [kind], T0 + HOUR + 1).allowed).toBe(true);
      // The kinds are counted apart.
      const other: ThrottleKind = kind === 'phone.sent' ? 'app.verify' : 'phone.sent';
      expect(decide(five, [other], T0 + 30 * MIN).allowed).toBe(true);
    }
  });

  it('R11c: at most 10 emails in 10 minutes; the eleventh locks for 24 h', () => {
    const ten = times('email.sent', 10, T0, 30_000);
    expect(decide(times('email.sent', 9, T0, 30_000), ['email.sent'], T0 + 5 * MIN).allowed).toBe(true);
    expect(decide(ten, ['email.sent'], T0 + 5 * MIN)).toMatchObject({ allowed: false, rule: 'R11c', tripped: true });
    expect(decide(ten, ['email.sent'], T0 + 10 * MIN + 1).allowed).toBe(true);
  });

  it('a lock refuses everything until it ends, without tripping again', () => {
    const lock = { until: T0 + DAY, rule: 'R11c' as const };
    expect(decide([], ['email.sent'], T0 + 23 * HOUR, lock)).toEqual({ allowed: false, lockedUntil: T0 + DAY, rule: 'R11c', tripped: false });
    expect(decide([], ['email.sent'], T0 + DAY, lock).allowed).toBe(true);
    expect(retryAfterSeconds(T0 + DAY, T0 + 23 * HOUR)).toBe(3600);
    expect(retryAfterSeconds(T0 + 1500, T0)).toBe(2);
  });

  it('events in the future of `now` do not count', () => {
    expect(countInWindows([{ kind: 'failure', at: T0 + 1 }], T0).failure).toBe(0);
  });
});
