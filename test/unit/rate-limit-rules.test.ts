import { describe, expect, it } from 'vitest';
import { clientKey, decideDoor, DEFAULT_DOOR_BUDGETS, msUntilBelow, slidingCount, type DoorBudget } from '../../src-server/throttle/rate-limit-rules.js';

const W = 60_000;
const at = (windowIndex: number, fraction: number) => windowIndex * W + fraction * W;
const budget: DoorBudget = { perClient: 10, total: 100, perClientProofAbove: 4, totalProofAbove: 50 };
const none = { current: 0, previous: 0 };

describe('rate limits (pure)', () => {
  it('weighs the previous window by how much of it still overlaps', () => {
    expect(slidingCount({ current: 3, previous: 10 }, at(5, 0), W)).toBe(13);
    expect(slidingCount({ current: 3, previous: 10 }, at(5, 0.25), W)).toBe(10.5);
    expect(slidingCount({ current: 3, previous: 10 }, at(5, 0.999), W)).toBeCloseTo(3.01, 2);
  });

  it('says how long until a client is below its limit again', () => {
    // Over in this window alone: wait into the next window until 12·(1−f) ≤ 10.
    const wait = msUntilBelow({ current: 12, previous: 0 }, 10, at(3, 0.5), W);
    expect(wait).toBe(Math.ceil(0.5 * W + (1 - 10 / 12) * W));
    expect(slidingCount({ current: 0, previous: 12 }, at(3, 0.5) + wait, W)).toBeLessThanOrEqual(10);
    // Over only because of the previous window: wait until its weight has shrunk.
    const wait2 = msUntilBelow({ current: 4, previous: 12 }, 10, at(3, 0.1), W);
    expect(slidingCount({ current: 4, previous: 12 }, at(3, 0.1) + wait2, W)).toBeLessThanOrEqual(10.0001);
    expect(slidingCount({ current: 4, previous: 12 }, at(3, 0.1) + wait2 - 1000, W)).toBeGreaterThan(10);
    expect(msUntilBelow({ current: 1, previous: 0 }, 10, at(3, 0.1), W)).toBe(0);
  });

  it('refuses past the client budget, then past the total, with a Retry-After', () => {
    const d = decideDoor(budget, { current: 11, previous: 0 }, none, at(1, 0.5), 'adaptive');
    expect(d).toMatchObject({ verdict: 'refuse', reason: 'client' });
    expect(d.verdict === 'refuse' && d.retryAfterSeconds).toBeGreaterThan(0);
    expect(decideDoor(budget, { current: 1, previous: 0 }, { current: 101, previous: 0 }, at(1, 0.5), 'adaptive')).toMatchObject({ verdict: 'refuse', reason: 'total' });
  });

  it('asks for a proof-of-work past the soft budgets (adaptive), always, or never', () => {
    expect(decideDoor(budget, { current: 4, previous: 0 }, none, 0, 'adaptive')).toEqual({ verdict: 'pass' });
    expect(decideDoor(budget, { current: 5, previous: 0 }, none, 0, 'adaptive')).toEqual({ verdict: 'proof', reason: 'client' });
    expect(decideDoor(budget, { current: 1, previous: 0 }, { current: 51, previous: 0 }, 0, 'adaptive')).toEqual({ verdict: 'proof', reason: 'total' });
    expect(decideDoor(budget, { current: 1, previous: 0 }, none, 0, 'always')).toMatchObject({ verdict: 'proof' });
    expect(decideDoor(budget, { current: 9, previous: 0 }, { current: 99, previous: 0 }, 0, 'off')).toEqual({ verdict: 'pass' });
    // Doors without a proof budget (a code check needs a session already) never ask for one.
    expect(decideDoor(DEFAULT_DOOR_BUDGETS.verify, { current: 1, previous: 0 }, none, 0, 'always')).toEqual({ verdict: 'pass' });
  });

  it('counts an IPv6 client by its /64 and an IPv4-mapped address as IPv4', () => {
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:db8::7')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(clientKey('192.0.2.7')).toBe('192.0.2.7');
  });
});
