import type { Problem } from '../../shared/api/errors.js';
import { PROBLEM_TITLES, type ProblemError } from '../errors.js';

/** A refusal as problem+json (RFC 9457) with its stable `code`. */
export function toProblem(err: ProblemError): Problem {
  return {
    type: `https://sspr.invalid/problems/${err.code.replace(/_/g, '-')}`,
    title: PROBLEM_TITLES[err.code],
    status: err.status,
    code: err.code,
    ...err.fields,
    ...(err.detail ? { detail: err.detail } : {}),
  };
}
