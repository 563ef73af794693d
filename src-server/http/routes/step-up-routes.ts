import { AccessPasses } from '../../auth/access-passes.js';
import { StepUp, type SignInContext } from '../../auth/step-up.js';
import type { Services } from '../../services.js';
import type { Caller, HandlerTable } from '../context.js';
import { ApiError } from '../problem.js';

/** `/me/step-up*`: a signed-in user proves a held method (or a pass) before changing methods (R26, R31). */
export function stepUpHandlers(s: Services): HandlerTable {
  const stepUp = new StepUp(s, new AccessPasses(s.clock));
  const ctx = async (req: { caller: Caller; client: string }): Promise<SignInContext> => {
    if (req.caller.kind !== 'user') throw new ApiError('unauthorized', 'Sign in first.');
    const user = await s.directory.findUserById(req.caller.subjectId);
    if (!user) throw new ApiError('unauthorized', 'The account no longer exists.');
    return { user, signInId: req.caller.signInId, client: req.client };
  };
  return {
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
  };
}
