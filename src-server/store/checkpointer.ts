import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * How often the worker copies committed WAL pages back into the database file. A checkpoint
 * copies a page once however often it was rewritten since the last one, so hot pages (index
 * tails, token versions) are copied less often the longer this is (issue 12: 200 ms → 1 s
 * took its CPU from ~105 to ~45 µs per sign-in + change); the WAL holds about a second of writes.
 */
const INTERVAL_MS = 1000;

// Plain CommonJS run by the worker (no TypeScript loader there): its own connection.
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 5000');
// A failed checkpoint (the file busy for longer than the timeout) is retried next time.
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
}, workerData.intervalMs);
parentPort.on('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * WAL checkpoints off the event loop. SQLite otherwise checkpoints inside the commit that
 * crosses 1000 WAL pages: it copies them into the database file and fsyncs both files on
 * the thread that serves requests, stalling every request for milliseconds. The server's
 * connection then runs with `wal_autocheckpoint = 0` and this worker thread checkpoints
 * (PASSIVE: never blocks writers or readers) every INTERVAL_MS.
 */
export function startBackgroundCheckpoints(file: string, onLost: () => void): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { file, driver, intervalMs: INTERVAL_MS } });
  let stopping = false;
  // If the worker ever ends on its own, the caller falls back to SQLite's own checkpoints.
  worker.once('exit', () => stopping || onLost());
  worker.on('error', () => {});
  worker.unref();
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        worker.once('exit', () => resolve());
        // Unref'd while it runs; waiting for it to end must keep the process alive (a CLI
        // closing its store would otherwise exit silently, with code 0, right here).
        worker.ref();
        worker.postMessage('stop');
      }),
  };
}
