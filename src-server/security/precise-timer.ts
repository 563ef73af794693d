import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';

/**
 * The worker: sleeps on `Atomics.wait` (a condition variable, microsecond timeouts) until just
 * before the earliest time asked for, spins the last SPIN_MS to it (a timed wait itself wakes
 * tens of microseconds late on a busy host), posts its id back, and wakes early when a new
 * time is posted (the main thread bumps `signal[0]`) or when asked to stop (`signal[1]`).
 * Times are absolute (`timeOrigin + now()`): a worker's `performance.now()` starts at its own birth.
 */
const WORKER_SOURCE = `
const { workerData, parentPort, receiveMessageOnPort } = require('node:worker_threads');
const { performance } = require('node:perf_hooks');
const SPIN_MS = 0.1;
const signal = new Int32Array(workerData.shared);
const now = () => performance.timeOrigin + performance.now();
const due = [];
while (Atomics.load(signal, 1) === 0) {
  const seen = Atomics.load(signal, 0);
  for (let m = receiveMessageOnPort(parentPort); m; m = receiveMessageOnPort(parentPort)) due.push(m.message);
  due.sort((a, b) => a.at - b.at);
  while (due.length && due[0].at <= now()) parentPort.postMessage(due.shift().id);
  const sleep = due.length ? due[0].at - now() - SPIN_MS : 1000;
  if (sleep > 0) Atomics.wait(signal, 0, seen, sleep);
}
`;

/**
 * How long before the time asked the worker wakes the event loop (ms), which then turns
 * (`setImmediate`) until the time. Waking a sleeping thread takes 0.05–0.15 ms on a virtual
 * machine, and how long depends on what the thread did before: measured, the answer after a real
 * hand-over was woken 0.05 ms later than a decoy's. A loop already awake at the time answers both
 * alike, within microseconds. Turning costs this much CPU per wait, less the wake's own delay.
 */
const LEAD_MS = 0.4;

/**
 * Wakes at a `performance.now()` time, within microseconds after it, never before, turning the
 * loop only the last `LEAD_MS` (R13b). Node's own timers count the event loop's whole
 * milliseconds, so when one fires after its time depends on where in its millisecond it was
 * set — and a prober who chains requests decides that: a real and a decoy challenge held by
 * `setTimeout` to the same floor left 0.1–0.2 ms apart in median. A worker thread sleeps to
 * the exact time and posts back; the message wakes the loop as a socket's reply would. One
 * per server, closed with it.
 */
export class PreciseTimer {
  private readonly worker: Worker;
  private readonly signal = new Int32Array(new SharedArrayBuffer(8));
  private readonly waiting = new Map<number, () => void>();
  /** Woken waits the loop turns for until their time (the last LEAD_MS). */
  private readonly turning: Array<{ at: number; resolve: () => void }> = [];
  private turnPending = false;
  private nextId = 0;
  private closed = false;

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared: this.signal.buffer } });
    this.worker.on('message', (id: number) => {
      this.waiting.get(id)?.();
      this.waiting.delete(id);
    });
    // Only a pending wait keeps the process alive, as a timer would.
    this.worker.unref();
  }

  /** Resolves at `performance.now()` time `at` (microseconds after); at once when it has passed. */
  async until(at: number): Promise<void> {
    await this.wake(at - LEAD_MS);
    await new Promise<void>((resolve) => {
      // Kept in order of time: a stalled loop that finds several due releases them in that order.
      let k = this.turning.length;
      while (k > 0 && this.turning[k - 1]!.at > at) k--;
      this.turning.splice(k, 0, { at, resolve });
      this.turn();
    });
  }

  /** Releases every due wait, earliest first; while any is left, again on the next turn of the loop. */
  private turn(): void {
    const now = performance.now();
    while (this.turning.length && (this.closed || this.turning[0]!.at <= now)) this.turning.shift()!.resolve();
    if (this.turning.length && !this.turnPending) {
      this.turnPending = true;
      setImmediate(() => {
        this.turnPending = false;
        this.turn();
      });
    }
  }

  /** Resolves when the worker posts back, a tenth or two of a millisecond after `at`. */
  private wake(at: number): Promise<void> {
    if (at <= performance.now()) return Promise.resolve();
    const id = this.nextId++;
    return new Promise((resolve) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, () => {
        if (this.waiting.size === 1) this.worker.unref();
        resolve();
      });
      this.worker.postMessage({ id, at: performance.timeOrigin + at });
      Atomics.add(this.signal, 0, 1);
      Atomics.notify(this.signal, 0);
    });
  }

  /** Stops the worker; waits still pending resolve now rather than never. */
  async close(): Promise<void> {
    this.closed = true;
    Atomics.store(this.signal, 1, 1);
    Atomics.notify(this.signal, 0);
    for (const wake of this.waiting.values()) wake();
    this.waiting.clear();
    this.turn();
    await this.worker.terminate();
  }
}
