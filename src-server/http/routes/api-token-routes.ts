import type { ApiTokenAdmin } from '../../flows/api-token-admin.js';
import { apiRoutes } from '../api-router.js';
import type { RoutePlugin } from '../context.js';
import { contextOf } from './admin-routes.js';

/** `/admin/api-tokens` (R38): a signed-in administrator manages the tokens scripts use. */
export function apiTokenRoutes({ apiTokenAdmin }: { apiTokenAdmin: ApiTokenAdmin }): RoutePlugin {
  return apiRoutes({
    async listApiTokens(req) {
      contextOf(req);
      return { tokens: await apiTokenAdmin.list() };
    },
    async createApiToken(req) {
      return apiTokenAdmin.create(req.body, contextOf(req));
    },
    async revokeApiToken(req) {
      await apiTokenAdmin.revoke(req.params.tokenId, contextOf(req));
    },
  });
}
