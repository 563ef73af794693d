import type { Transaction } from 'kysely';
import type { AdminUser, CreateUserRequest, PatchUserRequest, SetUserMethodsRequest } from '../../shared/api/admin.js';
import type { Locale } from '../../shared/api/common.js';
import { revokeUserSessions } from '../store/revocation.js';
import { BuiltinDirectory, usernameKey } from '../directory/builtin-directory.js';
import type { DirectoryUser, Directory } from '../directory/directory.js';
import { ProblemError } from '../errors.js';
import { maskEmail, maskPhone } from '../methods/masking.js';
import { effectiveRequirement, usableMethods } from '../methods/registration-status.js';
import { ownerAddresses, passwordNotice } from '../notify/notifications.js';
import { productPasswordViolations } from '../policy/password-check.js';
import type { Database } from '../store/schema.js';
import { resetThrottleKey, userThrottleKeys } from '../throttle/keys.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../store/db.js';
import type { MethodStore } from '../store/method-store.js';
import type { PolicyStore } from '../store/policy-store.js';
import type { RegistrationStore } from '../store/registration-store.js';
import type { ThrottleStore } from '../store/throttle-store.js';
import type { PasswordWrites, WriteCompletion } from './password-write.js';

interface AdminUsersDependencies {
  auditLog: AuditLog;
  clock: Clock;
  db: Db;
  directory: Directory;
  methodStore: MethodStore;
  passwordWrites: PasswordWrites;
  policyStore: PolicyStore;
  registrationStore: Pick<RegistrationStore, 'remove'>;
  throttles: ThrottleStore;
}

/** Who asked and from where, for the audit event (R17a). */
export interface AdminContext {
  actor: string;
  client: string;
  locale: Locale;
  /** R38: an API token's call: it never creates, changes or reaches an administrator account. */
  viaApiToken?: boolean;
}

/** R38: a token of `users:manage` could otherwise mint itself an administrator (password, TAP, methods). */
export function refuseAdministratorsToTokens(ctx: AdminContext, touchesAdministrator: boolean): void {
  if (ctx.viaApiToken && touchesAdministrator) throw new ProblemError('forbidden', 'API tokens never create, change or act for administrator accounts; an administrator signed in with two methods may.');
}

const CONTACT_TYPES = ['email', 'mobilePhone', 'officePhone'] as const;


/** Contact data the directory itself holds (R4), as the reset flow offers it. */
function directoryContacts(user: DirectoryUser): AdminUser['methods'] {
  const c = user.contact;
  const out: AdminUser['methods'] = [];
  if (c.mobilePhone) out.push({ id: 'dir-mobilePhone', type: 'mobilePhone', hint: maskPhone(c.mobilePhone), source: 'directory' });
  if (c.officePhone) out.push({ id: 'dir-officePhone', type: 'officePhone', hint: maskPhone(c.officePhone), source: 'directory' });
  if (c.alternateEmail) out.push({ id: 'dir-email', type: 'email', hint: maskEmail(c.alternateEmail), source: 'directory' });
  return out;
}

/** True for the unique-key violation of SQLite and PostgreSQL: a parallel create won. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { code?: string; message?: string };
  return err.code === '23505' || err.code === 'SQLITE_CONSTRAINT_UNIQUE' || err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || /UNIQUE constraint failed/.test(err.message ?? '');
}

/**
 * The administrator's user operations. Creating, listing, deleting and editing account
 * fields need the built-in directory (an LDAP/AD directory is managed with its own tools);
 * reading a user, resetting their password, unlocking them and setting contact methods on
 * their behalf (R4) work with every directory.
 */
export class AdminUsers {
  constructor(private readonly deps: AdminUsersDependencies) {}

  builtin(): BuiltinDirectory {
    if (!(this.deps.directory instanceof BuiltinDirectory)) throw new ProblemError('conflict', 'Users are managed in the directory (LDAP / Active Directory), not here.');
    return this.deps.directory;
  }

  async find(username: string): Promise<DirectoryUser> {
    const user = await this.deps.directory.findUser(username);
    if (!user) throw new ProblemError('not_found', 'No such user.');
    return user;
  }

  /** R7: methods as types, masked hints and sources — never addresses in full, never secrets. */
  async view(user: DirectoryUser): Promise<AdminUser> {
    const deps = this.deps;
    const [policy, stored, lock] = await Promise.all([deps.policyStore.get(), deps.methodStore.list(user.id), this.deps.throttles.activeLock(deps.db, resetThrottleKey(user.id))]);
    const held: AdminUser['methods'] = [
      ...stored.filter((m) => m.verified).map((m) => ({ id: m.id, type: m.type, hint: m.hint, source: m.source })),
      ...directoryContacts(user),
    ];
    const usableTypes = new Set(usableMethods(user, stored, policy).map((m) => m.type));
    return {
      username: user.username,
      displayName: user.displayName,
      email: user.email,
      isAdmin: user.isAdmin,
      disabled: user.disabled,
      locked: user.locked || lock !== null,
      groups: user.groups,
      passwordLastChangedAt: user.password.lastChangedAt?.toISOString() ?? null,
      mustChangePassword: user.password.mustChange,
      methods: held,
      registered: usableTypes.size >= effectiveRequirement(user, policy).required,
    };
  }

  private async passwordViolations(password: string, owner: { username: string; displayName: string; email?: string | null }, locale: Locale) {
    const violations = productPasswordViolations(password, await this.deps.policyStore.get(), owner, locale);
    if (violations.length) throw new ProblemError('password_policy', 'The password does not meet the policy.', { violations });
  }

  async create(input: CreateUserRequest, ctx: AdminContext): Promise<AdminUser> {
    const deps = this.deps;
    const dir = this.builtin();
    refuseAdministratorsToTokens(ctx, input.isAdmin === true);
    if (await dir.findUser(input.username)) throw new ProblemError('conflict', 'A user with this name already exists.');
    await this.passwordViolations(input.password, input, ctx.locale);
    let created: DirectoryUser;
    try {
      created = await deps.db.transaction().execute(async (trx) => {
        const user = await dir.createUser({ ...input, email: input.email ?? null }, trx);
        await deps.auditLog.write(trx, {
          type: 'admin.user', user: user.username, actor: ctx.actor, result: 'success', client: ctx.client,
          detail: { action: 'create', displayName: user.displayName, email: user.email, isAdmin: user.isAdmin, groups: user.groups },
        });
        return user;
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw new ProblemError('conflict', 'A user with this name already exists.');
      throw e;
    }
    return this.view(created);
  }

  async list(query: { cursor?: string; limit: number; q?: string }): Promise<{ users: AdminUser[]; nextCursor: string | null }> {
    const page = await this.builtin().listUsers({ after: query.cursor, limit: query.limit + 1, q: query.q });
    const users = page.slice(0, query.limit);
    const nextCursor = page.length > query.limit ? usernameKey(users[users.length - 1]!.username) : null;
    return { users: await Promise.all(users.map((u) => this.view(u))), nextCursor };
  }

  async get(username: string): Promise<AdminUser> {
    return this.view(await this.find(username));
  }

  async patch(username: string, patch: PatchUserRequest, ctx: AdminContext): Promise<AdminUser> {
    const deps = this.deps;
    const user = await this.find(username);
    refuseAdministratorsToTokens(ctx, user.isAdmin || patch.isAdmin === true);
    const { password, unlock, mustChangePassword, ...fields } = patch;
    const editsAccount = Object.keys(fields).length > 0 || (mustChangePassword !== undefined && password === undefined);
    const dir = editsAccount ? this.builtin() : null;
    if (password !== undefined) await this.passwordViolations(password, { ...user, displayName: fields.displayName ?? user.displayName }, ctx.locale);
    const changes: Record<string, { before: unknown; after: unknown }> = {};
    const before: Record<string, unknown> = { displayName: user.displayName, email: user.email, isAdmin: user.isAdmin, disabled: user.disabled, groups: user.groups };
    for (const [k, v] of Object.entries(fields)) if (JSON.stringify(before[k]) !== JSON.stringify(v)) changes[k] = { before: before[k], after: v };
    const audit: WriteCompletion['audit'] = {
      type: 'admin.user', user: user.username, actor: ctx.actor, result: 'success', client: ctx.client,
      detail: {
        action: 'update',
        changes,
        ...(password !== undefined ? { passwordReset: true } : {}),
        ...(mustChangePassword !== undefined ? { mustChangePassword } : {}),
        ...(unlock ? { unlocked: true } : {}),
      },
    };
    // R11d-like: an administrator's unlock also lifts the SSPR lockout and its counters.
    const clearThrottleKeys = unlock ? userThrottleKeys(user.id) : [];
    const editAccount = async (trx: Transaction<Database>) => {
      if (dir) await dir.updateUser(user.id, { ...fields, mustChange: password === undefined ? mustChangePassword : undefined }, trx);
    };
    if (password !== undefined) {
      // An administrator's reset: the user chooses their own password at next sign-in (unless told otherwise).
      // One outcome with its revocation, audit event and notice (R22, issue 10).
      const written = await deps.passwordWrites.write(
        user,
        password,
        { kind: 'reset', unlock: unlock === true, mustChange: mustChangePassword ?? true },
        { userId: user.id, audit, notices: await this.resetNotices(user, ctx), clearThrottleKeys },
        editAccount,
      );
      if (!written.ok) throw new ProblemError('password_policy', 'The directory refused the password.', { violations: written.violations });
      if (unlock && !deps.directory.resetPasswordWith) await deps.directory.unlock(user);
    } else {
      if (unlock) await deps.directory.unlock(user);
      await deps.db.transaction().execute(async (trx) => {
        await editAccount(trx);
        // Tokens carry isAdmin: a promotion or demotion, like disabling, starts from a fresh sign-in.
        const adminChanged = fields.isAdmin !== undefined && fields.isAdmin !== user.isAdmin;
        if (fields.disabled === true || adminChanged) await revokeUserSessions(trx, deps.clock, user.id);
        for (const key of clearThrottleKeys) await this.deps.throttles.clear(trx, key);
        await deps.auditLog.write(trx, audit);
      });
    }
    return this.view((await deps.directory.findUserById(user.id)) ?? user);
  }

  /** R22, R32: the user hears of every reset, an administrator's included, at every address they hold. */
  private async resetNotices(user: DirectoryUser, ctx: AdminContext): Promise<WriteCompletion['notices']> {
    const policy = await this.deps.policyStore.get();
    if (!policy.sspr.notifyUserOnReset) return [];
    const { subject, text } = passwordNotice(user, 'reset', this.deps.clock.now(), `${ctx.client} (administrator)`, policy.branding, ctx.locale);
    return (await ownerAddresses(user, this.deps.methodStore)).map((to) => ({ to, subject, text }));
  }

  async remove(username: string, ctx: AdminContext): Promise<void> {
    const deps = this.deps;
    const dir = this.builtin();
    const user = await this.find(username);
    refuseAdministratorsToTokens(ctx, user.isAdmin);
    await deps.db.transaction().execute(async (trx) => {
      await dir.deleteUser(user.id, trx);
      // Registration data goes with the account (R7): nothing of it stays readable.
      await deps.methodStore.removeAll(trx, user.id);
      await deps.registrationStore.remove(trx, user.id);
      await revokeUserSessions(trx, deps.clock, user.id);
      for (const key of userThrottleKeys(user.id)) await this.deps.throttles.clear(trx, key);
      await deps.auditLog.write(trx, { type: 'admin.user', user: user.username, actor: ctx.actor, result: 'success', client: ctx.client, detail: { action: 'delete' } });
    });
  }

  /** R4: phone numbers and an email set on the user's behalf count as registered, unproved. null removes. */
  async setMethods(username: string, input: SetUserMethodsRequest, ctx: AdminContext): Promise<AdminUser> {
    const user = await this.find(username);
    refuseAdministratorsToTokens(ctx, user.isAdmin);
    await this.deps.db.transaction().execute((trx) => this.writeMethods(trx, user, input, ctx));
    return this.view(user);
  }

  /**
   * The write of `setMethods` inside the caller's transaction, for a user already looked up:
   * the bulk import applies many users in one transaction. Reads nothing outside `trx`.
   */
  async writeMethods(trx: Transaction<Database>, user: DirectoryUser, input: SetUserMethodsRequest, ctx: AdminContext): Promise<void> {
    const deps = this.deps;
    if (input.email && user.email && input.email.toLowerCase() === user.email.toLowerCase()) {
      throw new ProblemError('invalid_request', 'The reset email must be an address other than the account\'s own (R3).', { issues: [{ path: 'body.email', message: 'same as the account\'s own address' }] });
    }
    const set: Record<string, string> = {};
    const removed: string[] = [];
    for (const type of CONTACT_TYPES) {
      const value = input[type];
      if (value === undefined) continue;
      await deps.methodStore.removeType(trx, user.id, type, 'admin');
      if (value === null) {
        removed.push(type);
        continue;
      }
      const hint = type === 'email' ? maskEmail(value) : maskPhone(value);
      if (type === 'email') await deps.methodStore.insert(trx, { subjectId: user.id, type, source: 'admin', verified: true, hint, data: { address: value } });
      else await deps.methodStore.insert(trx, { subjectId: user.id, type, source: 'admin', verified: true, hint, data: { number: value } });
      set[type] = hint;
    }
    await deps.auditLog.write(trx, { type: 'admin.methods', user: user.username, actor: ctx.actor, result: 'success', client: ctx.client, detail: { set, removed } });
  }
}
