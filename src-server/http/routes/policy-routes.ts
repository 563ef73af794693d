import { LOCALES } from '../../../shared/api/common.js';
import type { Services } from '../../services.js';
import type { HandlerTable } from '../context.js';

export function policyHandlers(s: Services): HandlerTable {
  return {
    async getPolicy() {
      const p = await s.policy.get();
      return {
        methods: p.sspr.methods,
        methodsRequired: p.sspr.methodsRequired,
        password: p.password,
        securityQuestions: {
          requiredToRegister: p.sspr.securityQuestions.requiredToRegister,
          requiredToReset: p.sspr.securityQuestions.requiredToReset,
        },
        branding: p.branding,
        locales: [...LOCALES],
      };
    },
  };
}
