import { ERROR_STATUS, type ErrorCode, type Problem } from '../shared/api/errors.js';

/** What a person reads when a refusal carries no detail of its own. */
export const PROBLEM_TITLES: Record<ErrorCode, string> = {
  invalid_request: 'The request is not valid',
  unauthorized: 'Sign-in required',
  forbidden: 'Not allowed',
  not_found: 'Not found',
  session_expired: 'The session has expired',
  challenge_expired: 'The code has expired',
  invalid_code: 'The code is not correct',
  invalid_answers: 'The answers are not correct',
  locked_out: 'Too many attempts',
  gates_incomplete: 'Verification is not complete',
  password_policy: 'The password does not meet the policy',
  password_expired: 'The password has expired',
  directory_unavailable: 'The directory cannot be reached',
  rate_limited: 'Too many requests',
  proof_of_work_required: 'A proof-of-work is needed first',
  conflict: 'Conflict',
  step_up_required: 'Prove it is you first',
  store_unavailable: 'The service is temporarily unavailable',
  internal: 'Internal error',
  delivery_failed: 'The code could not be sent',
};

/** The problem's extra fields (retry time, attempts left, violations…), as the shared contract names them. */
type ProblemFields = Omit<Partial<Problem>, 'type' | 'title' | 'status' | 'code' | 'detail'>;

/**
 * A refusal any room may throw: a stable problem code from the shared contract, the detail
 * a person reads and the contract's extra fields. It knows nothing of HTTP: `http/` turns it
 * into problem+json, the admin CLI into one line.
 */
export class ProblemError extends Error {
  readonly code: ErrorCode;
  /** The contract's status for the code, unless a caller that answers HTTP itself overrides it. */
  readonly status: number;
  readonly detail: string | undefined;
  readonly fields: ProblemFields;
  constructor(code: ErrorCode, detail?: string, fields: ProblemFields & { status?: number } = {}) {
    super(detail ?? PROBLEM_TITLES[code]);
    this.code = code;
    const { status, ...rest } = fields;
    this.status = status ?? ERROR_STATUS[code];
    this.detail = detail;
    this.fields = rest;
  }
}
