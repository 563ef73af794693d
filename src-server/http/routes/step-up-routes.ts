import type { SignInContext, StepUp } from '../../auth/step-up.js';
import type { Directory } from '../../directory/directory.js';
import { ProblemError } from '../../errors.js';
import { apiRoutes } from '../api-router.js';
import type { Caller, RoutePlugin } from '../context.js';

/** `/me/step-up*`: a signed-in user proves a held method (or a pass) before changing methods (R26, R31). */
export function stepUpRoutes({ stepUp, directory }: { stepUp: StepUp; directory: Directory }): RoutePlugin {
  const ctx = async (req: { caller: Caller; client: string }): Promise<SignInContext> => {
    if (req.caller.kind !== 'user') throw new ProblemError('unauthorized', 'Sign in first.');
    const user = await directory.findUserById(req.caller.subjectId);
    if (!user) throw new ProblemError('unauthorized', 'The account no longer exists.');
    return { user, signInId: req.caller.signInId, client: req.client };
  };
  return apiRoutes({
    async getStepUp(req) {
      return stepUp.status(await ctx(req));
    },
    async startStepUp(req) {
      return stepUp.start(await ctx(req));
    },
    async completeStepUp(req) {
      return stepUp.complete(await ctx(req), req.body.sessionToken);
    },
    async stepUpWithPass(req) {
      return stepUp.withPass(await ctx(req), req.body.pass);
    },
  });
}
