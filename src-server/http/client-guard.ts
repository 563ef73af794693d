import type { FastifyInstance } from 'fastify';
import { PROOF_OF_WORK_HEADER } from '../../shared/api/proof-of-work.js';
import type { RouteName } from '../../shared/api/routes.js';
import type { Clock } from '../clock.js';
import type { ProofOfWork, ProofVerdict } from '../security/proof-of-work.js';
import type { RateLimitStore } from '../store/rate-limit-store.js';
import { clientKey, decideDoor, RATE_WINDOW_MS, slidingCount, windowOf, type Door, type DoorBudget, type ProofOfWorkMode } from '../throttle/rate-limit-rules.js';
import { ProblemError } from '../errors.js';

/** The anonymous doors and the routes behind them. */
const DOOR_OF_ROUTE: Partial<Record<RouteName, Door>> = {
  createResetSession: 'identify',
  createChallenge: 'challenge',
  verifyChallenge: 'verify',
  signIn: 'signIn',
  createAdminSession: 'adminSignIn',
};

export interface ClientGuardOptions {
  budgets: Record<Door, DoorBudget>;
  proofOfWork: ProofOfWorkMode;
  counters: RateLimitStore;
  proofs: ProofOfWork;
  clock: Clock;
}

const PROOF_REFUSED: Record<Exclude<ProofVerdict, 'ok'>, string> = {
  malformed: 'The proof-of-work could not be read.',
  invalid: 'The proof-of-work is not correct.',
  expired: 'The proof-of-work challenge has expired.',
  wrong_door: 'The proof-of-work was made for another request.',
  replayed: 'The proof-of-work was already used.',
};

/**
 * Rate limits and the proof-of-work at the anonymous doors, before the body is even parsed:
 * a refused request costs two counter updates. The client is counted first; only requests
 * the client's own budget admits count toward the total, so one noisy address cannot use
 * up everybody's budget.
 */
export function registerClientGuard(app: FastifyInstance, options: ClientGuardOptions): void {
  const { budgets, counters, proofs, clock } = options;
  app.addHook('onRequest', async (req) => {
    const route = (req.routeOptions.config as { routeName?: RouteName } | undefined)?.routeName;
    const door = route ? DOOR_OF_ROUTE[route] : undefined;
    if (!route || !door) return;
    const budget = budgets[door];
    const now = clock.now().getTime();
    const window = windowOf(now);
    const [client] = await counters.hit([`${door}:${clientKey(req.ip)}`], window, RATE_WINDOW_MS);
    const clientOnly = decideDoor(budget, client!, { current: 0, previous: 0 }, now, 'off');
    if (clientOnly.verdict === 'refuse') throw tooMany(clientOnly.retryAfterSeconds);
    const [total] = await counters.hit([`${door}:*`], window, RATE_WINDOW_MS);
    const decision = decideDoor(budget, client!, total!, now, options.proofOfWork);
    if (decision.verdict === 'refuse') throw tooMany(decision.retryAfterSeconds);
    if (decision.verdict !== 'proof') return;
    const header = req.headers[PROOF_OF_WORK_HEADER];
    if (typeof header !== 'string' || header === '') {
      throw new ProblemError('proof_of_work_required', 'Solve the proof-of-work and send the request again.', { proofOfWork: await proofs.challenge(route) });
    }
    const verdict = await proofs.verify(header, route);
    if (verdict !== 'ok') throw new ProblemError('proof_of_work_required', PROOF_REFUSED[verdict], { proofOfWork: await proofs.challenge(route) });
    req.log.debug({ door, client: slidingCount(client!, now) }, 'proof-of-work accepted');
  });
}

function tooMany(retryAfterSeconds: number): ProblemError {
  return new ProblemError('rate_limited', 'Too many requests from here right now. Wait a moment and try again.', { retryAfterSeconds: Math.max(1, retryAfterSeconds) });
}
