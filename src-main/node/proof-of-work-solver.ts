import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { ProofOfWorkChallenge } from '../../shared/api/proof-of-work.js';

/**
 * Solves the server's proof-of-work (ALTCHA) off main's thread, so the window stays
 * responsive while it runs. Resolves to the header value to send back, or null when it could
 * not finish in time. The worker loads altcha-lib's CommonJS build by absolute path, so the
 * same code runs from sources (tests) and from the packaged app.
 */
const require = createRequire(import.meta.url);
const ALTCHA = { pow: require.resolve('altcha-lib'), sha: require.resolve('altcha-lib/algorithms/sha') };

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { solveChallenge } = require(workerData.paths.pow);
const { deriveKey } = require(workerData.paths.sha);
solveChallenge({ challenge: workerData.challenge, deriveKey, timeout: workerData.timeoutMs })
  .then((solution) => parentPort.postMessage(solution), () => parentPort.postMessage(null));
`;

export function solveProofOfWork(challenge: ProofOfWorkChallenge, timeoutMs = 30_000): Promise<string | null> {
  return new Promise((resolve) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { challenge, timeoutMs, paths: ALTCHA } });
    let settled = false;
    const done = (solution: unknown) => {
      if (settled) return;
      settled = true;
      void worker.terminate();
      resolve(solution ? Buffer.from(JSON.stringify({ challenge, solution })).toString('base64') : null);
    };
    worker.once('message', done);
    worker.once('error', () => done(null));
    worker.once('exit', () => done(null));
  });
}
