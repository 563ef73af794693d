import { createHmac } from 'node:crypto';
import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { equalOfPublicLength } from '../security/tokens.js';
import type { Db } from '../store/db.js';
import type { Database } from '../store/schema.js';
import type { TokenStore } from '../store/token-store.js';

/**
 * `access`: a signed-in user (15 min). `change`: only `POST /me/password` after sign-in met an
 * expired password (10 min). `admin`: an administrator's console token (issued by the
 * administrator sign-in, which proves two methods).
 */
export type TokenKind = 'access' | 'change' | 'admin';

export const TOKEN_LIFETIME_MS: Record<TokenKind, number> = {
  access: 15 * 60_000,
  change: 10 * 60_000,
  admin: 15 * 60_000,
};

const Claims = z.strictObject({
  sub: z.string().min(1).max(128),
  usr: z.string().min(1).max(1024),
  adm: z.boolean(),
  knd: z.enum(['access', 'change', 'admin']),
  /** The subject's token version when issued; a reset or change bumps it (revocation). */
  ver: z.number().int().min(0),
  exp: z.number().int(),
  /** The sign-in (refresh-token family) an access token belongs to: step-ups are bound to it (R26). */
  sid: z.string().min(1).max(64).optional(),
});
export type TokenClaims = z.infer<typeof Claims>;

const PREFIX = 'sat1';

type Conn = Db | Transaction<Database>;

export interface IssuedToken {
  token: string;
  expiresAt: Date;
}

/**
 * Compact self-contained tokens: `sat1.<claims, base64url JSON>.<HMAC-SHA256, base64url>`.
 * Stateless to check except for one lookup of the subject's token version, which is what
 * makes "revoke every session of this user" immediate across server instances.
 */
export class AccessTokens {
  private readonly key: Buffer;

  constructor(private readonly tokenStore: Pick<TokenStore, 'tokenVersion' | 'session'>, private readonly clock: Clock, codeKey: Buffer) {
    // A key of its own, so a token MAC can never be confused with a one-time-code MAC.
    this.key = createHmac('sha256', codeKey).update('sspr-access-token-key-v1').digest();
  }

  private mac(signed: string): Buffer {
    return createHmac('sha256', this.key).update(signed).digest();
  }

  async versionOf(subjectId: string, conn?: Conn): Promise<number> {
    return this.tokenStore.tokenVersion(subjectId, conn);
  }

  async issue(kind: TokenKind, user: { id: string; username: string; isAdmin: boolean }, conn?: Conn, signInId?: string): Promise<IssuedToken> {
    const expiresAt = new Date(this.clock.now().getTime() + TOKEN_LIFETIME_MS[kind]);
    const claims: TokenClaims = { sub: user.id, usr: user.username, adm: user.isAdmin, knd: kind, ver: await this.versionOf(user.id, conn), exp: expiresAt.getTime(), ...(signInId ? { sid: signInId } : {}) };
    const signed = `${PREFIX}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return { token: `${signed}.${this.mac(signed).toString('base64url')}`, expiresAt };
  }

  /** The claims of a genuine, unexpired, unrevoked token of one of `kinds`; otherwise null. */
  async verify(token: string, kinds: readonly TokenKind[]): Promise<TokenClaims | null> {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== PREFIX) return null;
    // Compared as text: decoding first would accept the non-canonical spellings of one MAC.
    if (!equalOfPublicLength(parts[2]!, this.mac(`${parts[0]}.${parts[1]}`).toString('base64url'))) return null;
    let claims: TokenClaims;
    try {
      const parsed = Claims.safeParse(JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')));
      if (!parsed.success) return null;
      claims = parsed.data;
    } catch {
      return null;
    }
    if (!kinds.includes(claims.knd)) return null;
    if (claims.exp <= this.clock.now().getTime()) return null;
    if (!claims.sid) return claims.ver === (await this.versionOf(claims.sub)) ? claims : null;
    const session = await this.tokenStore.session(claims.sub, claims.sid, this.clock.now().getTime());
    if (claims.ver !== session.version) return null;
    // A sign-in ended on its own (sign-out, refresh reuse, another session's method removal): its access tokens end with it.
    return session.alive ? claims : null;
  }
}
