import { describe, expect, it } from 'vitest';
import { IdleTimer } from '../../src-main/common/idle-timer.js';
import { ManualTime } from '../helpers/manual-time.js';

function timer(timeoutMs = 120_000) {
  const time = new ManualTime();
  const fired: Date[] = [];
  const idle = new IdleTimer({ clock: time, timers: time, timeoutMs, onIdle: () => fired.push(time.now()) });
  return { time, fired, idle };
}

describe('idle timer (kiosk idle timeout)', () => {
  it('fires once after the timeout without activity', async () => {
    const { time, fired, idle } = timer();
    idle.start();
    await time.advance(119_999);
    expect(fired).toHaveLength(0);
    await time.advance(1);
    expect(fired).toHaveLength(1);
    await time.advanceHours(5);
    expect(fired).toHaveLength(1);
  });

  it('activity postpones it; a stream of input keeps a single timer', async () => {
    const { time, fired, idle } = timer();
    idle.start();
    for (let i = 0; i < 10; i++) {
      await time.advance(60_000);
      idle.activity();
    }
    expect(fired).toHaveLength(0);
    expect(time.pendingCount).toBe(1);
    await time.advance(119_000);
    expect(fired).toHaveLength(0);
    await time.advance(1_000);
    expect(fired).toHaveLength(1);
    expect(fired[0]!.getTime() - time.now().getTime()).toBe(0);
  });

  it('after firing, the next activity arms it again', async () => {
    const { time, fired, idle } = timer(30_000);
    idle.start();
    await time.advance(30_000);
    idle.activity();
    await time.advance(29_000);
    expect(fired).toHaveLength(1);
    await time.advance(1_000);
    expect(fired).toHaveLength(2);
  });

  it('stop cancels it', async () => {
    const { time, fired, idle } = timer(30_000);
    idle.start();
    idle.stop();
    await time.advanceHours(1);
    expect(fired).toHaveLength(0);
    expect(time.pendingCount).toBe(0);
  });
});
