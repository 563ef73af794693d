import type { AdminSignIn } from '../../auth/admin-sign-in.js';
import type { SignInFlow } from '../../auth/sign-in.js';
import { apiRoutes } from '../api-router.js';
import type { RoutePlugin } from '../context.js';
import { ProblemError } from '../../errors.js';

/**
 * The audit `client` of a sign-in: IP and app header, plus the app instance named in the
 * body when the header did not name one (R17a). Only printable characters reach the log.
 */
function signInClient(requestClient: string, bodyClient: string | undefined): string {
  const named = bodyClient?.replace(/[^\p{L}\p{N}._:@-]/gu, '').slice(0, 64);
  return named && !requestClient.includes(' app:') ? `${requestClient} app:${named}` : requestClient;
}

/** Sign-in, refresh and sign-out of the companion; the administrator sign-in. */
export function authRoutes({ signIn: flow, adminSignIn }: { signIn: SignInFlow; adminSignIn: AdminSignIn }): RoutePlugin {
  return apiRoutes({
    async signIn(req) {
      return flow.signIn(req.body.username, req.body.password, signInClient(req.client, req.body.client));
    },
    async refresh(req) {
      return flow.refreshSession(req.body.refreshToken, req.client);
    },
    async createAdminSession(req) {
      return adminSignIn.start(req.body.username, req.body.password, req.client);
    },
    async issueAdminToken(req) {
      if (req.caller.kind !== 'resetSession') throw new ProblemError('session_expired', 'A sign-in session token is required.');
      return adminSignIn.issueToken(req.caller.token, req.client);
    },
    async signOut(req) {
      if (req.caller.kind !== 'user') return;
      await flow.signOut(req.caller.subjectId, req.body?.refreshToken);
    },
  });
}
