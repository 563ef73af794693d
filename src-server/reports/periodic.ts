import type { Log } from '../log.js';

/** A background job of the server: run now (tests, CLI) or on its timer. */
export interface PeriodicJob<T> {
  runOnce(): Promise<T>;
  /** Clears the timers and waits for a run in flight, so the store can close after it. */
  stop(): Promise<void>;
}

/**
 * Runs `task` shortly after start and then every `intervalMs`, never twice at once. Timers are
 * unref'd (they never keep the process alive) and cleared by `stop()`; failures are logged.
 */
export function startPeriodic<T>(
  task: () => Promise<T>,
  timing: { firstRunMs: number; intervalMs: number },
  log: Log,
  name: string,
  report: (result: T) => void = () => undefined,
): PeriodicJob<T> {
  let running: Promise<T> | null = null;
  const runOnce = () => {
    running ??= task().finally(() => {
      running = null;
    });
    return running;
  };
  const tick = () => {
    runOnce().then(report, (e: unknown) => log.warn({ err: (e as Error).message }, `${name} failed`));
  };
  let interval: NodeJS.Timeout | null = null;
  const first = setTimeout(() => {
    tick();
    interval = setInterval(tick, timing.intervalMs);
    interval.unref();
  }, timing.firstRunMs);
  first.unref();
  return {
    runOnce,
    async stop() {
      clearTimeout(first);
      if (interval) clearInterval(interval);
      await running?.catch(() => undefined);
    },
  };
}
