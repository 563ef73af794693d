import { Problem } from '../../shared/api/errors.js';
import { PROOF_OF_WORK_HEADER, type ProofOfWorkChallenge } from '../../shared/api/proof-of-work.js';
import { API_ROUTES, routePath, type RouteBody, type RouteResponse } from '../../shared/api/routes.js';
import { ApiFailure } from '../api.js';

/** Longer than any challenge takes here (a second or two); then the administrator may try again. */
const SOLVE_TIMEOUT_MS = 60_000;

/** Solves the server's proof-of-work in a Web Worker (R41): the header value, or null when it did not finish. */
function solveInWorker(challenge: ProofOfWorkChallenge, timeoutMs = SOLVE_TIMEOUT_MS): Promise<string | null> {
  return new Promise((resolve) => {
    const worker = new Worker(new URL('./proof-of-work.worker.ts', import.meta.url), { type: 'module' });
    const done = (header: string | null) => {
      worker.terminate();
      resolve(header);
    };
    worker.onmessage = (event: MessageEvent<string | null>) => done(event.data);
    worker.onerror = () => done(null);
    worker.postMessage({ challenge, timeoutMs });
  });
}

async function post(body: RouteBody<'createAdminSession'>, proof: string | null): Promise<Response> {
  return fetch(routePath('createAdminSession', {}), {
    method: API_ROUTES.createAdminSession.method,
    headers: { 'content-type': 'application/json', ...(proof ? { [PROOF_OF_WORK_HEADER]: proof } : {}) },
    body: JSON.stringify(body),
    cache: 'no-store',
  });
}

async function failure(res: Response): Promise<{ failure: ApiFailure; proofOfWork?: ProofOfWorkChallenge }> {
  const parsed = Problem.safeParse(await res.json().catch(() => null));
  if (!parsed.success) return { failure: new ApiFailure(res.status, 'invalid_request', `HTTP ${res.status}`) };
  const p = parsed.data;
  return { failure: new ApiFailure(res.status, p.code, p.detail ?? p.title, p.issues ?? [], p.attemptsRemaining, p.retryAfterSeconds), proofOfWork: p.proofOfWork };
}

/**
 * The password step of the console's sign-in. A server that asks for a proof-of-work first
 * (busy, or so configured) gets one, solved in a worker while `onSolving` shows it, and the
 * same request again; a second refusal is the administrator's to see.
 */
export async function startAdminSession(body: RouteBody<'createAdminSession'>, onSolving: (solving: boolean) => void): Promise<RouteResponse<'createAdminSession'>> {
  const answer = async (res: Response) => API_ROUTES.createAdminSession.response.parse(await res.json()) as RouteResponse<'createAdminSession'>;
  const first = await post(body, null);
  if (first.ok) return answer(first);
  const refused = await failure(first);
  if (refused.failure.code !== 'proof_of_work_required' || !refused.proofOfWork) throw refused.failure;
  onSolving(true);
  let proof: string | null;
  try {
    proof = await solveInWorker(refused.proofOfWork);
  } finally {
    onSolving(false);
  }
  if (!proof) throw refused.failure;
  const second = await post(body, proof);
  if (second.ok) return answer(second);
  throw (await failure(second)).failure;
}
