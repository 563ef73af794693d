import type { Group } from '../../shared/api/admin.js';
import { usernameKey } from '../directory/builtin-directory.js';
import { ProblemError } from '../errors.js';
import { isUniqueViolation, type AdminContext, type AdminUsers } from './admin-users.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Db } from '../store/db.js';
import type { PolicyStore } from '../store/policy-store.js';

interface AdminGroupsDependencies {
  adminUsers: AdminUsers;
  auditLog: AuditLog;
  db: Db;
  policyStore: PolicyStore;
}

/** Groups of the built-in directory; the SSPR scope (R1, R14) names them. */
export class AdminGroups {
  constructor(private readonly deps: AdminGroupsDependencies) {}

  async list(): Promise<Group[]> {
    return this.deps.adminUsers.builtin().listGroups();
  }

  async get(name: string): Promise<Group> {
    const key = usernameKey(name);
    const group = (await this.list()).find((g) => usernameKey(g.name) === key);
    if (!group) throw new ProblemError('not_found', 'No such group.');
    return group;
  }

  private audit(group: string, user: string | null, ctx: AdminContext, detail: Record<string, unknown>) {
    return (conn: Parameters<AuditLog['write']>[0]) =>
      this.deps.auditLog.write(conn, { type: 'admin.group', user, actor: ctx.actor, result: 'success', client: ctx.client, detail: { group, ...detail } });
  }

  async create(input: { name: string; description?: string; members?: string[] }, ctx: AdminContext): Promise<Group> {
    const dir = this.deps.adminUsers.builtin();
    if (await dir.groupExists(input.name)) throw new ProblemError('conflict', 'A group with this name already exists.');
    const members = await Promise.all((input.members ?? []).map((m) => this.deps.adminUsers.find(m)));
    try {
      await this.deps.db.transaction().execute(async (trx) => {
        await dir.createGroup(input.name, input.description ?? '', trx);
        for (const m of members) await dir.addMember(input.name, m.id, trx);
        await this.audit(input.name.trim(), null, ctx, { action: 'create', members: members.map((m) => m.username) })(trx);
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new ProblemError('conflict', 'A group with this name already exists.');
      throw e;
    }
    return this.get(input.name);
  }

  async remove(name: string, ctx: AdminContext): Promise<void> {
    const dir = this.deps.adminUsers.builtin();
    const group = await this.get(name);
    const scope = (await this.deps.policyStore.get()).sspr.scope;
    // Deleting the scope's group would silently take its members out of SSPR (R14): change the policy first.
    if (scope.groups.some((g) => usernameKey(g) === usernameKey(group.name))) {
      throw new ProblemError('conflict', 'The SSPR scope names this group. Remove it from the policy first.');
    }
    await this.deps.db.transaction().execute(async (trx) => {
      await dir.deleteGroup(group.name, trx);
      await this.audit(group.name, null, ctx, { action: 'delete', members: group.members })(trx);
    });
  }

  async addMember(name: string, username: string, ctx: AdminContext): Promise<Group> {
    const dir = this.deps.adminUsers.builtin();
    const group = await this.get(name);
    const user = await this.deps.adminUsers.find(username);
    await this.deps.db.transaction().execute(async (trx) => {
      await dir.addMember(group.name, user.id, trx);
      await this.audit(group.name, user.username, ctx, { action: 'addMember' })(trx);
    });
    return this.get(group.name);
  }

  async removeMember(name: string, username: string, ctx: AdminContext): Promise<Group> {
    const dir = this.deps.adminUsers.builtin();
    const group = await this.get(name);
    const user = await this.deps.adminUsers.find(username);
    await this.deps.db.transaction().execute(async (trx) => {
      await dir.removeMember(group.name, user.id, trx);
      await this.audit(group.name, user.username, ctx, { action: 'removeMember' })(trx);
    });
    return this.get(group.name);
  }
}
