import type { z } from 'zod';
import { GroupName } from '../../../shared/api/admin.js';
import { Username } from '../../../shared/api/common.js';
import type { AccessPassIssue } from '../../flows/access-pass-issue.js';
import type { AdminGroups } from '../../flows/admin-groups.js';
import type { AdminPolicy } from '../../flows/admin-policy.js';
import type { AdminContext, AdminUsers } from '../../flows/admin-users.js';
import type { PolicyStore } from '../../store/policy-store.js';
import { apiRoutes, invalidRequest } from '../api-router.js';
import type { ApiRequest, RoutePlugin } from '../context.js';
import type { RouteName } from '../../../shared/api/routes.js';
import { ProblemError } from '../../errors.js';

/** The administrator behind an admin route's call, as the flows audit it. */
export function contextOf(req: ApiRequest<RouteName>): AdminContext {
  if (req.caller.kind !== 'admin') throw new ProblemError('forbidden', 'An administrator token is required.');
  return { actor: req.caller.actor, client: req.client, locale: req.locale, ...(req.caller.apiToken ? { viaApiToken: true } : {}) };
}

/** Path parameters get the same validation as body fields (control/bidi characters, length). */
function param<T extends z.ZodType>(schema: T, value: string, name: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalidRequest(r.error, `params.${name}`);
  return r.data;
}

/** `/admin/*`: policy, built-in directory users and groups, methods on a user's behalf (R4). */
export function adminRoutes({ policyStore, adminPolicy, adminUsers: users, adminGroups: groups, accessPassIssue }: { policyStore: PolicyStore; adminPolicy: AdminPolicy; adminUsers: AdminUsers; adminGroups: AdminGroups; accessPassIssue: AccessPassIssue }): RoutePlugin {
  return apiRoutes({
    async getAdminPolicy(req) {
      contextOf(req);
      policyStore.invalidate();
      return policyStore.get();
    },
    async putAdminPolicy(req) {
      return adminPolicy.replace(req.body, contextOf(req));
    },
    async createUser(req) {
      return users.create(req.body, contextOf(req));
    },
    async listUsers(req) {
      contextOf(req);
      return users.list(req.query);
    },
    async getUser(req) {
      contextOf(req);
      return users.get(param(Username, req.params.username, 'username'));
    },
    async patchUser(req) {
      return users.patch(param(Username, req.params.username, 'username'), req.body, contextOf(req));
    },
    async deleteUser(req) {
      await users.remove(param(Username, req.params.username, 'username'), contextOf(req));
    },
    async setUserMethods(req) {
      return users.setMethods(param(Username, req.params.username, 'username'), req.body, contextOf(req));
    },
    async issueAccessPass(req) {
      return accessPassIssue.issue(param(Username, req.params.username, 'username'), req.body, contextOf(req));
    },
    async listGroups(req) {
      contextOf(req);
      return { groups: await groups.list() };
    },
    async createGroup(req) {
      return groups.create(req.body, contextOf(req));
    },
    async deleteGroup(req) {
      await groups.remove(param(GroupName, req.params.group, 'group'), contextOf(req));
    },
    async addGroupMember(req) {
      return groups.addMember(param(GroupName, req.params.group, 'group'), param(Username, req.params.username, 'username'), contextOf(req));
    },
    async removeGroupMember(req) {
      return groups.removeMember(param(GroupName, req.params.group, 'group'), param(Username, req.params.username, 'username'), contextOf(req));
    },
  });
}
