import { describe, expect, it } from 'vitest';
import { HandoverTimes } from '../../src-server/notify/handover-times.js';

/** The floor is pure bookkeeping: nothing here waits. */
const noWait = () => Promise.resolve();

describe('R13b: the floor every challenge answer waits for', () => {
  it('R13b: is the 90th percentile of the recent real hand-overs of that channel, rounded up to a whole millisecond', () => {
    const h = new HandoverTimes(noWait);
    for (let ms = 1; ms <= 100; ms++) h.record('email', { ms: ms - 0.4, ok: true, at: 1_000 });
    expect(h.floor('email', 1_000)).toBe(91);
    expect(h.floor('phone', 1_000)).toBe(0);
  });

  it('R13b: rises with the percentile at once, and comes down only once it is more than 2 ms too high', () => {
    const h = new HandoverTimes(noWait);
    const at = 1_000;
    for (let i = 0; i < 10; i++) h.record('email', { ms: 5, ok: true, at });
    expect(h.floor('email', at)).toBe(5);
    for (let i = 0; i < 10; i++) h.record('email', { ms: 7.2, ok: true, at });
    expect(h.floor('email', at)).toBe(8);
    for (let i = 0; i < 200; i++) h.record('email', { ms: 6.5, ok: true, at });
    expect(h.floor('email', at)).toBe(8);
    for (let i = 0; i < 200; i++) h.record('email', { ms: 5.5, ok: true, at });
    expect(h.floor('email', at)).toBe(8);
    for (let i = 0; i < 200; i++) h.record('email', { ms: 4.5, ok: true, at });
    expect(h.floor('email', at)).toBe(5);
  });

  it('R13b: forgets hand-overs older than ten minutes, and is 0 when none is recent', () => {
    const h = new HandoverTimes(noWait);
    h.record('email', { ms: 50, ok: true, at: 0 });
    h.record('email', { ms: 5, ok: true, at: 9 * 60_000 });
    expect(h.floor('email', 10 * 60_000)).toBe(50);
    expect(h.floor('email', 10 * 60_000 + 1)).toBe(5);
    expect(h.floor('email', 20 * 60_000)).toBe(0);
  });
});
