import type { MeStatusFlow } from '../../flows/me-status.js';
import type { PasswordChange } from '../../flows/password-change.js';
import { apiRoutes } from '../api-router.js';
import type { Caller, RoutePlugin } from '../context.js';
import { ProblemError } from '../../errors.js';

function signedIn(caller: Caller): Extract<Caller, { kind: 'user' }> {
  if (caller.kind !== 'user') throw new ProblemError('unauthorized', 'Sign in first.');
  return caller;
}

/** The signed-in user's own status and password (the methods routes live with the methods). */
export function meRoutes({ meStatus, passwordChange }: { meStatus: MeStatusFlow; passwordChange: PasswordChange }): RoutePlugin {
  return apiRoutes({
    async getMyStatus(req) {
      return meStatus.status(signedIn(req.caller).subjectId);
    },
    async changePassword(req) {
      const caller = signedIn(req.caller);
      return passwordChange.change(caller.subjectId, req.body, { client: req.client, locale: req.locale });
    },
  });
}
