import { buildMeStatus } from '../../flows/me-status.js';
import { changePassword } from '../../flows/password-change.js';
import type { Services } from '../../services.js';
import type { Caller, HandlerTable } from '../context.js';
import { ProblemError } from '../../errors.js';

function signedIn(caller: Caller): Extract<Caller, { kind: 'user' }> {
  if (caller.kind !== 'user') throw new ProblemError('unauthorized', 'Sign in first.');
  return caller;
}

/** The signed-in user's own status and password (the methods routes live with the methods). */
export function meHandlers(s: Services): HandlerTable {
  return {
    async getMyStatus(req) {
      return buildMeStatus(s, signedIn(req.caller).subjectId);
    },
    async changePassword(req) {
      const caller = signedIn(req.caller);
      return changePassword(s, caller.subjectId, req.body, { client: req.client, locale: req.locale });
    },
  };
}
