import type { Authenticator } from '../http/context.js';
import { safeEqual } from '../security/tokens.js';
import type { Services } from '../services.js';
import { AccessTokens } from './access-tokens.js';

/**
 * Bearer tokens → callers. User routes take access tokens (and, where the route allows it,
 * change tokens); admin routes take the bootstrap token, compared in constant time, or an
 * administrator's `admin` token from the administrator sign-in (two methods). A plain user
 * access token never opens an admin route, even for an administrator: one password is not
 * enough for administration.
 */
export function createAuthenticator(s: Services): Authenticator {
  const tokens = new AccessTokens(s.db, s.clock, s.codeKey);
  return {
    async user(token, allowChangeToken) {
      const claims = await tokens.verify(token, allowChangeToken ? ['access', 'change'] : ['access']);
      if (!claims || claims.knd === 'admin') return null;
      return { kind: 'user', subjectId: claims.sub, username: claims.usr, isAdmin: claims.adm, tokenKind: claims.knd, signInId: claims.sid ?? null };
    },
    async admin(token) {
      if (safeEqual(token, s.adminToken)) return { kind: 'admin', actor: 'bootstrap', subjectId: null };
      const claims = await tokens.verify(token, ['admin']);
      if (!claims || !claims.adm) return null;
      return { kind: 'admin', actor: claims.usr, subjectId: claims.sub };
    },
  };
}
