import type { Authenticator } from '../http/context.js';
import { safeEqual } from '../security/tokens.js';
import type { Services } from '../services.js';

/** Bearer tokens → callers. The bootstrap admin token is compared in constant time. */
export function createAuthenticator(s: Services): Authenticator {
  return {
    async user() {
      return null;
    },
    async admin(token) {
      if (safeEqual(token, s.adminToken)) return { kind: 'admin', actor: 'bootstrap', subjectId: null };
      return null;
    },
  };
}
