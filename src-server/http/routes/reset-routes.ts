import { AdminSignIn } from '../../auth/admin-sign-in.js';
import { isStepUpSession } from '../../auth/step-up.js';
import { ResetFlow } from '../../flows/reset-flow.js';
import type { ApprovalHub } from '../../methods/push.js';
import type { Services } from '../../services.js';
import type { Caller, HandlerTable } from '../context.js';
import { ApiError } from '../problem.js';

function sessionToken(caller: Caller): string {
  if (caller.kind !== 'resetSession') throw new ApiError('session_expired', 'A reset session token is required.');
  return caller.token;
}

/** The public reset flow: identify, verify, set the password (no sign-in). */
export function resetHandlers(s: Services, hub: ApprovalHub): HandlerTable {
  const flow = new ResetFlow(s, hub);
  const adminSignIn = new AdminSignIn(s);
  return {
    async createResetSession(req) {
      return flow.createSession(req.body.username, { client: req.client, locale: req.locale });
    },
    async getResetSession(req) {
      return flow.state(sessionToken(req.caller));
    },
    async createChallenge(req) {
      return flow.createChallenge(sessionToken(req.caller), req.body, { client: req.client, locale: req.body.locale ?? req.locale });
    },
    async verifyChallenge(req) {
      return flow.verify(sessionToken(req.caller), req.params.challengeId, req.body, { client: req.client, locale: req.locale });
    },
    async setResetPassword(req) {
      // An administrator sign-in proves who is at the console; it never sets a password.
      if (await adminSignIn.isAdminSession(sessionToken(req.caller))) throw new ApiError('forbidden', 'This session signs an administrator in; it cannot set a password.');
      // Nor does a step-up (R26): it proves a method to the sign-in that started it, nothing more.
      if (await isStepUpSession(s.db, sessionToken(req.caller))) throw new ApiError('forbidden', 'This session proves a method before a change of methods; it cannot set a password.');
      return flow.setPassword(sessionToken(req.caller), req.body, { client: req.client, locale: req.locale });
    },
    async cancelResetSession(req) {
      await flow.cancel(sessionToken(req.caller), { client: req.client, locale: req.locale });
    },
  };
}
