import type { ApiTokenInfo, ApiTokenScope, CreatedApiToken } from '../../shared/api/api-tokens.js';
import { apiTokenInfo, type ApiTokens } from '../auth/api-tokens.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import { ProblemError } from '../errors.js';
import type { ApiTokenStore } from '../store/api-token-store.js';
import type { Db } from '../store/db.js';
import type { AdminContext } from './admin-users.js';

interface ApiTokenAdminDependencies {
  db: Db;
  clock: Clock;
  apiTokens: ApiTokens;
  apiTokenStore: ApiTokenStore;
  auditLog: AuditLog;
}

/**
 * R38: an administrator (console, API with a signed-in administrator, CLI) creates, lists and
 * revokes API tokens. The secret is in the create answer only; creating and revoking are
 * audited under the administrator.
 */
export class ApiTokenAdmin {
  constructor(private readonly deps: ApiTokenAdminDependencies) {}

  async create(input: { name: string; scopes: ApiTokenScope[]; expiresInDays: number }, ctx: AdminContext): Promise<CreatedApiToken> {
    const { db, apiTokens, apiTokenStore, auditLog } = this.deps;
    const { token, row } = apiTokens.mint({ ...input, createdBy: ctx.actor });
    const created = await db.transaction().execute(async (trx) => {
      if (!(await apiTokenStore.insert(trx, row))) return false;
      await auditLog.write(trx, { type: 'admin.apitoken', user: null, actor: ctx.actor, result: 'success', client: ctx.client, detail: { action: 'create', name: row.name, scopes: row.scopes, expiresAt: new Date(Number(row.expires_at)).toISOString() } });
      return true;
    });
    if (!created) throw new ProblemError('conflict', `An API token named "${input.name}" exists or existed: each name is used once, so the audit trail stays clear.`);
    return { ...apiTokenInfo(row), token };
  }

  async list(): Promise<ApiTokenInfo[]> {
    return (await this.deps.apiTokenStore.listLive()).map(apiTokenInfo);
  }

  async revoke(id: string, ctx: AdminContext): Promise<ApiTokenInfo> {
    const { db, clock, apiTokenStore, auditLog } = this.deps;
    const revoked = await db.transaction().execute(async (trx) => {
      const row = await apiTokenStore.revoke(trx, id, clock.now().getTime());
      if (row) await auditLog.write(trx, { type: 'admin.apitoken', user: null, actor: ctx.actor, result: 'success', client: ctx.client, detail: { action: 'revoke', name: row.name } });
      return row;
    });
    if (!revoked) throw new ProblemError('not_found', 'No live API token has that id.');
    return apiTokenInfo(revoked);
  }
}
