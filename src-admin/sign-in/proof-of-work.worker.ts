import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/web/sha';
import type { ProofOfWorkChallenge } from '../../shared/api/proof-of-work.js';

/**
 * The proof-of-work's search, off the page's thread so the sign-in form stays responsive and
 * its status keeps being announced. Answers the header value to send back, or null.
 */
onmessage = async (event: MessageEvent<{ challenge: ProofOfWorkChallenge; timeoutMs: number }>) => {
  const { challenge, timeoutMs } = event.data;
  const solution = await solveChallenge({ challenge: challenge as Parameters<typeof solveChallenge>[0]['challenge'], deriveKey, timeout: timeoutMs }).catch(() => null);
  postMessage(solution ? btoa(JSON.stringify({ challenge, solution })) : null);
};
