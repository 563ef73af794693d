import { safeEqual } from '../security/tokens.js';
import type { AccessTokens } from './access-tokens.js';
import { apiTokenActor, type ApiTokenHolder, type ApiTokens } from './api-tokens.js';
import { isLoopback, type BootstrapGate } from './bootstrap-gate.js';

/** `signInId`: the refresh-token family of an access token (R26 step-ups are bound to it). */
export interface SignedInUser { kind: 'user'; subjectId: string; username: string; isAdmin: boolean; tokenKind: 'access' | 'change'; signInId: string | null }
/**
 * `actor` is the administrator's user name, `bootstrap` for the configured token, or
 * `token:<name>` for an API token (R38), whose scopes then bound what it reaches.
 */
export interface SignedInAdmin { kind: 'admin'; actor: string; subjectId: string | null; apiToken?: ApiTokenHolder }

/** Resolves bearer tokens for the route kinds that need more than the token itself. */
export interface Authenticator {
  /** An access token (or, where allowed, a change token) → the user, or null. */
  user(token: string, allowChangeToken: boolean): Promise<SignedInUser | null>;
  /**
   * The bootstrap token or an administrator's access token → the admin, or null. `from`: the
   * request's address; over HTTP the bootstrap token is taken from loopback only (R33).
   */
  admin(token: string, from?: { ip: string }): Promise<SignedInAdmin | null>;
  /** R38: audits one use of an API token (refused ones too) and notes its last use. */
  apiTokenUsed(holder: ApiTokenHolder, use: { route: string; client: string; allowed: boolean }): Promise<void>;
  /** R38: a refused bearer token that is a revoked or expired API token is audited under its name. */
  refusedAdminToken(token: string, use: { route: string; client: string }): Promise<void>;
}

/**
 * Bearer tokens → callers. User routes take access tokens (and, where the route allows it,
 * change tokens); admin routes take the bootstrap token, compared in constant time, or an
 * administrator's `admin` token from the administrator sign-in (two methods), or an API token (R38). A plain user
 * access token never opens an admin route, even for an administrator: one password is not
 * enough for administration.
 */
export function createAuthenticator({ accessTokens: tokens, adminToken, bootstrapGate, apiTokens }: { accessTokens: AccessTokens; adminToken: string; bootstrapGate?: BootstrapGate; apiTokens?: ApiTokens }): Authenticator {
  return {
    async user(token, allowChangeToken) {
      const claims = await tokens.verify(token, allowChangeToken ? ['access', 'change'] : ['access']);
      if (!claims || claims.knd === 'admin') return null;
      return { kind: 'user', subjectId: claims.sub, username: claims.usr, isAdmin: claims.adm, tokenKind: claims.knd, signInId: claims.sid ?? null };
    },
    async admin(token, from) {
      if (safeEqual(token, adminToken)) {
        // R33: set-up only — from this machine, and only until a two-method administrator exists.
        if (from && (!isLoopback(from.ip) || (bootstrapGate && !(await bootstrapGate.open())))) return null;
        return { kind: 'admin', actor: 'bootstrap', subjectId: null };
      }
      if (apiTokens?.looksLikeToken(token)) {
        const holder = await apiTokens.verify(token);
        return holder && { kind: 'admin', actor: apiTokenActor(holder.name), subjectId: null, apiToken: holder };
      }
      const claims = await tokens.verify(token, ['admin']);
      if (!claims || !claims.adm) return null;
      return { kind: 'admin', actor: claims.usr, subjectId: claims.sub };
    },
    async apiTokenUsed(holder, use) {
      await apiTokens?.recordUse(holder, use);
    },
    async refusedAdminToken(token, use) {
      if (apiTokens?.looksLikeToken(token)) await apiTokens.recordDeadUse(token, use);
    },
  };
}
