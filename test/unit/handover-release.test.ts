import { describe, expect, it } from 'vitest';
import { decoyRelease, FLOOR_PERCENTILE, MIN_FLOOR_MS, percentile, RECENT_MS, recentOnly, releaseFloor, type Handover } from '../../src-server/notify/handover-release.js';

const T0 = Date.parse('2026-01-05T09:00:00Z');
const DEADLINE = 4_000;
const ok = (ms: number, at = T0): Handover => ({ ms, ok: true, at });
const failed = (ms: number, at = T0): Handover => ({ ms, ok: false, at });

describe('hand-over release (pure, times passed in)', () => {
  it('percentile: nearest rank, whatever the order given; NaN when empty', () => {
    const xs = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(xs, 0.5)).toBe(5);
    expect(percentile(xs, 0.95)).toBe(10);
    expect(percentile(xs, 0.9)).toBe(9);
    expect(percentile(xs, 0.01)).toBe(1);
    expect(percentile([3], 0.95)).toBe(3);
    expect(percentile([], 0.95)).toBeNaN();
    // The input is not reordered.
    expect(xs[0]).toBe(5);
  });

  it('R13b: only hand-overs within the recent window count', () => {
    const old = ok(3, T0 - RECENT_MS - 1);
    const edge = ok(4, T0 - RECENT_MS);
    expect(recentOnly([old, edge, ok(6)], T0)).toEqual([edge, ok(6)]);
  });

  it('R13b: the floor is the high percentile of recent successful hand-overs, rounded up to a whole ms', () => {
    // 100 hand-overs from 3.01 to 7.96 ms: the 95th is 7.71 ms, so 8 ms.
    const times = Array.from({ length: 100 }, (_, i) => ok(3.01 + i * 0.05));
    expect(FLOOR_PERCENTILE).toBe(0.95);
    expect(releaseFloor(times, DEADLINE)).toBe(8);
    // Failures (a refusal in 1 ms, a deadline missed) do not move it.
    expect(releaseFloor([...times, ...Array.from({ length: 50 }, () => failed(DEADLINE + 1)), failed(1)], DEADLINE)).toBe(8);
  });

  it('R13b, R11f: the floor stays within [MIN_FLOOR_MS, the delivery deadline]; before any success it is MIN_FLOOR_MS', () => {
    expect(releaseFloor([ok(0.4), ok(0.6)], DEADLINE)).toBe(MIN_FLOOR_MS);
    expect(releaseFloor([ok(9_000)], DEADLINE)).toBe(DEADLINE);
    expect(releaseFloor([], DEADLINE)).toBe(MIN_FLOOR_MS);
    expect(releaseFloor([failed(DEADLINE)], DEADLINE)).toBe(MIN_FLOOR_MS);
  });

  it('R13b: a decoy answers at the floor, or later as a drawn slower hand-over did, with its outcome', () => {
    const recent = [ok(4), ok(30), failed(DEADLINE + 2), failed(1)];
    // `random` picks uniformly: [0, .25) the first, ... [.75, 1) the last.
    expect(decoyRelease(recent, 8, 0)).toEqual({ ms: 8, ok: true });
    expect(decoyRelease(recent, 8, 0.3)).toEqual({ ms: 30, ok: true });
    expect(decoyRelease(recent, 8, 0.6)).toEqual({ ms: DEADLINE + 2, ok: false });
    expect(decoyRelease(recent, 8, 0.99)).toEqual({ ms: 8, ok: false });
    // Nothing recent: the floor, and success, as a working relay answers.
    expect(decoyRelease([], 5, 0.5)).toEqual({ ms: 5, ok: true });
  });

  it('R13b: over many draws a decoy\'s answer times follow max(floor, real) of the recent hand-overs', () => {
    const recent = Array.from({ length: 200 }, (_, i) => ok(2 + (i % 40) * 0.25));
    const floor = releaseFloor(recent, DEADLINE);
    const real = recent.map((h) => Math.max(floor, h.ms)).sort((a, b) => a - b);
    const decoy = Array.from({ length: 200 }, (_, i) => decoyRelease(recent, floor, (i + 0.5) / 200).ms).sort((a, b) => a - b);
    expect(decoy).toEqual(real);
    // At least 95 % of them answer at the floor itself.
    expect(real.filter((ms) => ms === floor).length).toBeGreaterThanOrEqual(190);
  });
});
