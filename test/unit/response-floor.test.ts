import { describe, expect, it } from 'vitest';
import { HandoverTimes } from '../../src-server/notify/handover-times.js';
import type { ResetMethodType } from '../../shared/api/common.js';
import { spendCpu, threadCpuMs } from '../../src-server/security/cpu-time.js';
import { ResponseFloor, ResponseFloors } from '../../src-server/security/response-floor.js';

/** The floor is pure bookkeeping: nothing here waits. */
const noWait = () => Promise.resolve();

describe('R13b: the floor answers wait for', () => {
  it('R13b: is the 90th percentile of the recent spans, rounded up to a whole millisecond', () => {
    const f = new ResponseFloor(noWait);
    for (let ms = 1; ms <= 100; ms++) f.record(ms - 0.4, 1_000);
    expect(f.floor(1_000)).toBe(91);
  });

  it('R13b: rises with the percentile at once, and comes down only once it is more than 2 ms too high', () => {
    const f = new ResponseFloor(noWait);
    const at = 1_000;
    for (let i = 0; i < 10; i++) f.record(5, at);
    expect(f.floor(at)).toBe(5);
    for (let i = 0; i < 10; i++) f.record(7.2, at);
    expect(f.floor(at)).toBe(8);
    for (let i = 0; i < 200; i++) f.record(6.5, at);
    expect(f.floor(at)).toBe(8);
    for (let i = 0; i < 200; i++) f.record(5.5, at);
    expect(f.floor(at)).toBe(8);
    for (let i = 0; i < 200; i++) f.record(4.5, at);
    expect(f.floor(at)).toBe(5);
  });

  it('R13b: forgets spans older than ten minutes, and is 0 when none is recent', () => {
    const f = new ResponseFloor(noWait);
    f.record(50, 0);
    f.record(5, 9 * 60_000);
    expect(f.floor(10 * 60_000)).toBe(50);
    expect(f.floor(10 * 60_000 + 1)).toBe(5);
    expect(f.floor(20 * 60_000)).toBe(0);
  });

  it('R13b: a hand-over floor follows the real hand-overs of its own channel only', () => {
    const h = new HandoverTimes(noWait);
    for (let ms = 1; ms <= 10; ms++) h.record('email', { ms, ok: true, at: 1_000, cpuMs: 0.5 });
    expect(h.floor('email', 1_000)).toBe(10);
    expect(h.floor('phone', 1_000)).toBe(0);
  });

  it('R13b: a verification floor follows the answers of its own challenge type only, one floor per type', () => {
    const floors = new ResponseFloors<ResetMethodType>(noWait);
    for (let ms = 1; ms <= 10; ms++) floors.of('email').record(ms, 1_000);
    expect(floors.of('email')).toBe(floors.of('email'));
    expect(floors.of('email').floor(1_000)).toBe(10);
    expect(floors.of('authenticatorCode').floor(1_000)).toBe(0);
  });

  it('R13b: a decoy spends the CPU recent real hand-overs spent (their median), and never more than 5 ms', async () => {
    const asked = async (cpuMs: number[]) => {
      const spent: number[] = [];
      const h = new HandoverTimes(noWait, async (ms) => void spent.push(ms));
      for (const ms of cpuMs) h.record('email', { ms: 4, ok: true, at: 1_000, cpuMs: ms });
      await h.imitate('email', performance.now(), 4);
      return spent;
    };
    expect(await asked([0, 0, 0])).toEqual([0]);
    expect(await asked([2, 3, 40])).toEqual([3]);
    expect(await asked([40, 50, 60])).toEqual([5]);
  });

  it('R13b: spending CPU keeps this thread busy at least that long, and yields to other work between slices', async () => {
    const [cpu, wall] = [threadCpuMs(), performance.now()];
    let served = 0;
    const other = setInterval(() => served++, 0);
    await spendCpu(3);
    clearInterval(other);
    expect(performance.now() - wall).toBeGreaterThanOrEqual(3);
    // Busy, not asleep (a loaded machine may take the core away for part of it).
    expect(threadCpuMs() - cpu).toBeGreaterThan(1);
    expect(served).toBeGreaterThan(0);
  });
});
