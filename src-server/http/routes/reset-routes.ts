import type { AdminSignIn } from '../../auth/admin-sign-in.js';
import type { StepUp } from '../../auth/step-up.js';
import type { AccountUnlock } from '../../flows/account-unlock.js';
import type { ResetFlow } from '../../flows/reset-flow.js';
import type { ResetPassword } from '../../flows/reset-password.js';
import { apiRoutes } from '../api-router.js';
import type { Caller, RoutePlugin } from '../context.js';
import { ProblemError } from '../../errors.js';

function sessionToken(caller: Caller): string {
  if (caller.kind !== 'resetSession') throw new ProblemError('session_expired', 'A reset session token is required.');
  return caller.token;
}

/** The public reset flow: identify, verify, set the password (no sign-in). */
export function resetRoutes(deps: { resetFlow: ResetFlow; resetPassword: ResetPassword; adminSignIn: AdminSignIn; stepUp: StepUp; accountUnlock: AccountUnlock }): RoutePlugin {
  const { resetFlow: flow, resetPassword, adminSignIn, stepUp, accountUnlock } = deps;
  /** The session, and past the last gate what the account's directory entry tells (R37, issue 13). */
  async function sessionView(token: string) {
    const state = await flow.state(token);
    return state.state === 'ready' ? { ...state, ...(await accountUnlock.pastGates(token)) } : state;
  }

  return apiRoutes({
    async createResetSession(req) {
      return flow.createSession(req.body.username, { client: req.client, locale: req.locale });
    },
    async getResetSession(req) {
      return sessionView(sessionToken(req.caller));
    },
    async createChallenge(req) {
      return flow.createChallenge(sessionToken(req.caller), req.body, { client: req.client, locale: req.body.locale ?? req.locale });
    },
    async verifyChallenge(req) {
      const token = sessionToken(req.caller);
      const gate = await flow.verify(token, req.params.challengeId, req.body, { client: req.client, locale: req.locale });
      return { ...gate, session: await sessionView(token) };
    },
    async setResetPassword(req) {
      // An administrator sign-in proves who is at the console; it never sets a password.
      if (await adminSignIn.isAdminSession(sessionToken(req.caller))) throw new ProblemError('forbidden', 'This session signs an administrator in; it cannot set a password.');
      // Nor does a step-up (R26): it proves a method to the sign-in that started it, nothing more.
      if (await stepUp.isStepUpSession(sessionToken(req.caller))) throw new ProblemError('forbidden', 'This session proves a method before a change of methods; it cannot set a password.');
      return resetPassword.setPassword(sessionToken(req.caller), req.body, { client: req.client, locale: req.locale });
    },
    async unlockAccount(req) {
      if (await adminSignIn.isAdminSession(sessionToken(req.caller))) throw new ProblemError('forbidden', 'This session signs an administrator in; it cannot unlock an account.');
      return accountUnlock.unlock(sessionToken(req.caller), { client: req.client, locale: req.locale });
    },
    async cancelResetSession(req) {
      await flow.cancel(sessionToken(req.caller), { client: req.client, locale: req.locale });
    },
  });
}
