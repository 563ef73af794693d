import { randomBytes } from 'node:crypto';
import { API_TOKEN_SCOPES, type ApiTokenInfo, type ApiTokenScope } from '../../shared/api/api-tokens.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { hashToken, safeEqual } from '../security/tokens.js';
import type { ApiTokenRow, ApiTokenStore } from '../store/api-token-store.js';
import type { Db } from '../store/db.js';

/** `sspr_<lookup id, 16 hex>_<secret, 256 bits base64url>`. */
const TOKEN_SHAPE = /^sspr_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A caller holding a live API token. */
export interface ApiTokenHolder {
  id: string;
  name: string;
  scopes: readonly ApiTokenScope[];
}

/** Audit actor of everything a token does: its name, marked so it is never taken for a user name. */
export function apiTokenActor(name: string): string {
  return `token:${name}`;
}

function scopesOf(row: ApiTokenRow): ApiTokenScope[] {
  return row.scopes.split(' ').filter((s): s is ApiTokenScope => (API_TOKEN_SCOPES as readonly string[]).includes(s));
}

export function apiTokenInfo(row: ApiTokenRow): ApiTokenInfo {
  return {
    id: row.id,
    name: row.name,
    scopes: scopesOf(row),
    createdBy: row.created_by,
    createdAt: new Date(Number(row.created_at)).toISOString(),
    expiresAt: new Date(Number(row.expires_at)).toISOString(),
    lastUsedAt: row.last_used_at === null ? null : new Date(Number(row.last_used_at)).toISOString(),
  };
}

/**
 * R38: API tokens for automation. A token is minted once and only its SHA-256 is kept; its
 * public lookup id finds the row, so the secret is compared in constant time against one
 * hash, never searched for. Every use is audited under the token's name.
 */
export class ApiTokens {
  constructor(private readonly deps: { db: Db; clock: Clock; apiTokenStore: ApiTokenStore; auditLog: AuditLog }) {}

  /** A new token's secret and row; the caller stores the row in its transaction. */
  mint(input: { name: string; scopes: readonly ApiTokenScope[]; expiresInDays: number; createdBy: string }): { token: string; row: ApiTokenRow } {
    const id = randomBytes(8).toString('hex');
    const token = `sspr_${id}_${randomBytes(32).toString('base64url')}`;
    const now = this.deps.clock.now().getTime();
    const row: ApiTokenRow = {
      id,
      name: input.name,
      token_hash: hashToken(token),
      scopes: [...input.scopes].sort().join(' '),
      created_by: input.createdBy,
      created_at: now,
      expires_at: now + input.expiresInDays * 86_400_000,
      last_used_at: null,
      revoked_at: null,
    };
    return { token, row };
  }

  /** True for text shaped like an API token (anything else is some other kind of bearer token). */
  looksLikeToken(token: string): boolean {
    return TOKEN_SHAPE.test(token);
  }

  /** The row of a genuine token (its secret matches), live or not; otherwise undefined. */
  private async genuine(token: string): Promise<ApiTokenRow | undefined> {
    const m = TOKEN_SHAPE.exec(token);
    if (!m) return undefined;
    const row = await this.deps.apiTokenStore.find(m[1]!);
    return row && safeEqual(hashToken(token), row.token_hash) ? row : undefined;
  }

  private deadReason(row: ApiTokenRow): 'revoked' | 'expired' | null {
    if (row.revoked_at !== null) return 'revoked';
    return Number(row.expires_at) <= this.deps.clock.now().getTime() ? 'expired' : null;
  }

  /** The holder of a genuine, unexpired, unrevoked token; otherwise null. */
  async verify(token: string): Promise<ApiTokenHolder | null> {
    const row = await this.genuine(token);
    if (!row || this.deadReason(row)) return null;
    return { id: row.id, name: row.name, scopes: scopesOf(row) };
  }

  /** A revoked or expired token still in some script's hands: its refused use is audited under its name (a leak shows). */
  async recordDeadUse(token: string, use: { route: string; client: string }): Promise<void> {
    const row = await this.genuine(token);
    const reason = row && this.deadReason(row);
    if (!row || !reason) return;
    await this.deps.auditLog.write(this.deps.db, { type: 'admin.apitoken', user: null, actor: apiTokenActor(row.name), result: 'denied', client: use.client, detail: { action: 'use', route: use.route, reason } });
  }

  /** Every use, allowed or refused for its scope, is an audit event under the token's name; an allowed one is its last use. */
  async recordUse(holder: ApiTokenHolder, use: { route: string; client: string; allowed: boolean }): Promise<void> {
    const { db, clock, apiTokenStore, auditLog } = this.deps;
    await db.transaction().execute(async (trx) => {
      if (use.allowed) await apiTokenStore.markUsed(trx, holder.id, clock.now().getTime());
      await auditLog.write(trx, { type: 'admin.apitoken', user: null, actor: apiTokenActor(holder.name), result: use.allowed ? 'success' : 'denied', client: use.client, detail: { action: 'use', route: use.route } });
    });
  }
}
