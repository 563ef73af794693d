import { z } from 'zod';
import { ResetMethodType } from './common.js';
import { ProofOfWorkChallenge } from './proof-of-work.js';

/** Every `code` a problem+json answer may carry. Clients switch on these; never rename one. */
export const ERROR_CODES = [
  'invalid_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'session_expired',
  'challenge_expired',
  'invalid_code',
  'invalid_answers',
  'locked_out',
  'gates_incomplete',
  'password_policy',
  'password_expired',
  'directory_unavailable',
  'rate_limited',
  'proof_of_work_required',
  'conflict',
  /** R26, R27: a change of methods needs a fresh proof with a method the user holds (or a Temporary Access Pass). */
  'step_up_required',
  /** The server's database cannot be reached: retry after `Retry-After`. */
  'store_unavailable',
  /** An unexpected server fault; `correlationId` names its log line. */
  'internal',
  /**
   * The code could not be handed to the SMTP relay / SMS gateway in time: nothing was counted
   * (R11b/R11c); retry after `Retry-After`, or choose another method than `method`.
   */
  'delivery_failed',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const Violation = z.object({
  /** Stable rule id, e.g. `minLength`, `history`, `banned`, `nameParts`, `directory`. */
  rule: z.string(),
  message: z.string(),
});
export type Violation = z.infer<typeof Violation>;

/** RFC 9457 problem details with our stable `code` and extras. */
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  code: z.enum(ERROR_CODES),
  detail: z.string().optional(),
  retryAfterSeconds: z.number().int().optional(),
  attemptsRemaining: z.number().int().optional(),
  violations: z.array(Violation).optional(),
  /** With `password_expired`: a short-lived token that only allows `POST /me/password`. */
  changeToken: z.string().optional(),
  /** With `internal`: quote it to the administrator, it is in the server's log line. */
  correlationId: z.string().optional(),
  /** With `proof_of_work_required`: the challenge to solve before asking again. */
  proofOfWork: ProofOfWorkChallenge.optional(),
  /** With `delivery_failed`: the method whose code could not be handed over. */
  method: ResetMethodType.optional(),
  /** With `invalid_request`: where the input was wrong. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type Problem = z.infer<typeof Problem>;

/** Default HTTP status for each code. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  session_expired: 401,
  challenge_expired: 410,
  invalid_code: 400,
  invalid_answers: 400,
  locked_out: 423,
  gates_incomplete: 409,
  password_policy: 422,
  password_expired: 403,
  directory_unavailable: 503,
  rate_limited: 429,
  proof_of_work_required: 428,
  conflict: 409,
  step_up_required: 403,
  store_unavailable: 503,
  internal: 500,
  delivery_failed: 503,
};
