import { ERROR_STATUS, type ErrorCode, type Problem } from '../../shared/api/errors.js';

const TITLES: Record<ErrorCode, string> = {
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
  conflict: 'Conflict',
  step_up_required: 'Prove it is you first',
};

export type ProblemExtras = Omit<Partial<Problem>, 'type' | 'title' | 'status' | 'code'> & { status?: number };

/** Throw anywhere in a handler: the HTTP layer turns it into problem+json. */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly extras: Omit<ProblemExtras, 'status'>;
  constructor(code: ErrorCode, detail?: string, extras: ProblemExtras = {}) {
    super(detail ?? TITLES[code]);
    this.code = code;
    const { status, ...rest } = extras;
    this.status = status ?? ERROR_STATUS[code];
    this.extras = { ...rest, ...(detail ? { detail } : {}) };
  }

  toProblem(): Problem {
    return {
      type: `https://sspr.invalid/problems/${this.code.replace(/_/g, '-')}`,
      title: TITLES[this.code],
      status: this.status,
      code: this.code,
      ...this.extras,
    };
  }
}
