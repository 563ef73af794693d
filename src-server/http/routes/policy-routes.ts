import { LOCALES } from '../../../shared/api/common.js';
import { publicPasswordPolicy } from '../../policy/password-check.js';
import type { PolicyStore } from '../../store/policy-store.js';
import { apiRoutes } from '../api-router.js';
import type { RoutePlugin } from '../context.js';

/** The public part of the policy the companion needs before anyone signs in. */
export function policyRoutes({ policyStore }: { policyStore: PolicyStore }): RoutePlugin {
  return apiRoutes({
    async getPolicy() {
      const p = await policyStore.get();
      return {
        methods: p.sspr.methods,
        methodsRequired: p.sspr.methodsRequired,
        firstGate: p.sspr.firstGate,
        secondGate: p.sspr.secondGate,
        ...publicPasswordPolicy(p),
        securityQuestions: {
          requiredToRegister: p.sspr.securityQuestions.requiredToRegister,
          requiredToReset: p.sspr.securityQuestions.requiredToReset,
        },
        branding: p.branding,
        locales: [...LOCALES],
      };
    },
  });
}
