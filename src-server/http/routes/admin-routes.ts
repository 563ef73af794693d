import type { z } from 'zod';
import { GroupName } from '../../../shared/api/admin.js';
import { Username } from '../../../shared/api/common.js';
import { AccessPasses } from '../../auth/access-passes.js';
import { issueAccessPass } from '../../flows/access-pass-issue.js';
import { AdminGroups } from '../../flows/admin-groups.js';
import { replacePolicy } from '../../flows/admin-policy.js';
import { AdminUsers, type AdminContext } from '../../flows/admin-users.js';
import type { Services } from '../../services.js';
import { invalidRequest } from '../api-router.js';
import type { ApiRequest, HandlerTable } from '../context.js';
import type { RouteName } from '../../../shared/api/routes.js';
import { ApiError } from '../problem.js';

function contextOf(req: ApiRequest<RouteName>): AdminContext {
  if (req.caller.kind !== 'admin') throw new ApiError('forbidden', 'An administrator token is required.');
  return { actor: req.caller.actor, client: req.client, locale: req.locale };
}

/** Path parameters get the same validation as body fields (control/bidi characters, length). */
function param<T extends z.ZodType>(schema: T, value: string, name: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw invalidRequest(r.error, `params.${name}`);
  return r.data;
}

/** `/admin/*`: policy, built-in directory users and groups, methods on a user's behalf (R4). */
export function adminHandlers(s: Services): HandlerTable {
  const users = new AdminUsers(s);
  const groups = new AdminGroups(s, users);
  const passes = new AccessPasses(s.clock);
  return {
    async getAdminPolicy(req) {
      contextOf(req);
      s.policy.invalidate();
      return s.policy.get();
    },
    async putAdminPolicy(req) {
      return replacePolicy(s, req.body, contextOf(req));
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
      return issueAccessPass(s, passes, param(Username, req.params.username, 'username'), req.body, contextOf(req));
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
  };
}
