import { performance } from 'node:perf_hooks';
import { nextTurn } from '../event-loop.js';

/** One slice of spent CPU (ms): short enough that other requests are served between slices. */
const SLICE_MS = 0.25;

type ThreadCpuUsage = () => NodeJS.CpuUsage;

/**
 * The CPU time (ms) this thread has used. Node 23.9+ counts the thread alone; before it, the
 * process's (its other threads — the precise timer, the GC's helpers — are nearly idle while
 * one request runs, so the difference is small where it matters: an idle server being probed).
 */
export function threadCpuMs(): number {
  const threadCpuUsage = (process as { threadCpuUsage?: ThreadCpuUsage }).threadCpuUsage;
  const { user, system } = threadCpuUsage ? threadCpuUsage.call(process) : process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Keeps this thread busy for `ms` in slices, yielding to the event loop between them (R13b):
 * what a decoy does where a real request would have composed and sent a message. On a virtual
 * machine a core's speed just after some work depends on how busy it was just before; measured,
 * an answer sent after an idle decoy left 0.05–0.07 ms later than one sent after a real
 * hand-over, and spending the same CPU closed the gap.
 */
export async function spendCpu(ms: number): Promise<void> {
  for (let left = ms; left > 0; left -= SLICE_MS) {
    await nextTurn();
    const until = performance.now() + Math.min(SLICE_MS, left);
    while (performance.now() < until) {
      // Busy on purpose: this is the work being imitated.
    }
  }
}
