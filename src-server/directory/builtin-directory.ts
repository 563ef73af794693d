import type { Transaction } from 'kysely';
import type { Violation } from '../../shared/api/errors.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { PASSWORD_MESSAGES } from '../../shared/i18n/messages.js';
import type { Clock } from '../clock.js';
import { hashSecret, verifySecret, type HashParams } from '../security/password-hash.js';
import { newId } from '../security/tokens.js';
import { ReusableQuery, type Db } from '../store/db.js';
import type { Database } from '../store/schema.js';
import type { Directory, DirectoryAccount, DirectoryUser, ExpiringAccount, ExpiryWindow, PasswordWriteResult, VerifyResult } from './directory.js';

/** Case-folded lookup key: `Alice`, `ALICE` and full-width `ＡＬＩＣＥ` are one account. */
export function usernameKey(username: string): string {
  return username.normalize('NFKC').toLowerCase().trim();
}

interface BuiltinDirectoryOptions {
  /** Wrong sign-ins before the account locks (AD's usual threshold). */
  lockoutThreshold: number;
  lockoutDurationMs: number;
}

const DEFAULTS: BuiltinDirectoryOptions = { lockoutThreshold: 10, lockoutDurationMs: 30 * 60_000 };

type UserRow = Database['users'];
/** A user row joined with one of its groups' names: one row per group, or one with null. */
type UserGroupRow = UserRow & { group_name: string | null };
type Conn = Db | Transaction<Database>;

export interface NewBuiltinUser {
  username: string;
  password: string;
  displayName: string;
  email?: string | null;
  isAdmin?: boolean;
  groups?: string[];
  mustChange?: boolean;
}

/**
 * The directory that lives in the server's own store: users, groups, scrypt password
 * hashes, history and lockout. Its password policy (history, minimum length) is the
 * product policy's, read at each write.
 */
export class BuiltinDirectory implements Directory {
  readonly kind = 'builtin' as const;
  private readonly options: BuiltinDirectoryOptions;
  /** Compared against when the user does not exist, so sign-in timing does not tell. */
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly policy: () => Promise<PolicyDocument>,
    private readonly hashParams: HashParams,
    options: Partial<BuiltinDirectoryOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** The user and their groups in one query: every reset starts with this lookup. */
  private readonly q = {
    byName: new ReusableQuery<{ key: string }, UserGroupRow>((db, v) => this.withGroups(db).where('users.username_key', '=', v.key)),
    byId: new ReusableQuery<{ id: string }, UserGroupRow>((db, v) => this.withGroups(db).where('users.id', '=', v.id)),
  };

  private withGroups(db: Conn) {
    return db
      .selectFrom('users')
      .leftJoin('group_members', 'group_members.user_id', 'users.id')
      .leftJoin('groups', 'groups.name_key', 'group_members.group_key')
      .selectAll('users')
      .select('groups.name as group_name')
      .orderBy('groups.name');
  }

  private fromJoined(rows: UserGroupRow[]): DirectoryUser | null {
    if (!rows.length) return null;
    const { group_name: _, ...row } = rows[0]!;
    return this.userOf(row, rows.flatMap((r) => (r.group_name === null ? [] : [r.group_name])));
  }

  private async toUser(row: UserRow, conn: Conn = this.db): Promise<DirectoryUser> {
    const groups = await conn
      .selectFrom('group_members')
      .innerJoin('groups', 'groups.name_key', 'group_members.group_key')
      .select('groups.name')
      .where('group_members.user_id', '=', row.id)
      .orderBy('groups.name')
      .execute();
    return this.userOf(row, groups.map((g) => g.name));
  }

  private userOf(row: UserRow, groups: string[]): DirectoryUser {
    return {
      id: row.id,
      username: row.username,
      displayName: row.display_name,
      email: row.email,
      isAdmin: row.is_admin === 1,
      disabled: row.disabled === 1,
      locked: this.isLocked(row),
      lastFailedSignInAt: row.last_failed_signin_at === null ? null : new Date(Number(row.last_failed_signin_at)),
      groups,
      contact: { mobilePhone: null, officePhone: null, alternateEmail: null },
      password: {
        lastChangedAt: row.password_changed_at === null ? null : new Date(Number(row.password_changed_at)),
        neverExpires: row.never_expires === 1,
        mustChange: row.must_change === 1,
        expiresAt: null,
      },
    };
  }

  private isLocked(row: UserRow): boolean {
    return row.locked_at !== null && this.clock.now().getTime() - Number(row.locked_at) < this.options.lockoutDurationMs;
  }

  private row(username: string, conn: Conn = this.db) {
    return conn.selectFrom('users').selectAll().where('username_key', '=', usernameKey(username)).executeTakeFirst();
  }

  async findUser(username: string): Promise<DirectoryUser | null> {
    return this.fromJoined(await this.q.byName.rows(this.db, { key: usernameKey(username) }));
  }

  async findUserById(id: string): Promise<DirectoryUser | null> {
    return this.fromJoined(await this.q.byId.rows(this.db, { id }));
  }

  /** Groups come in the same query here, so the account is the whole user. */
  findAccountById(id: string): Promise<DirectoryAccount | null> {
    return this.findUserById(id);
  }

  async isMember(user: DirectoryUser, group: string): Promise<boolean> {
    const key = usernameKey(group);
    return user.groups.some((g) => usernameKey(g) === key);
  }

  async verifyPassword(username: string, password: string): Promise<VerifyResult> {
    const row = await this.row(username);
    if (!row) {
      this.dummyHash ??= hashSecret('dummy-password-for-timing', this.hashParams);
      await verifySecret(password, await this.dummyHash);
      return { ok: false, reason: 'invalid' };
    }
    const good = await verifySecret(password, row.password_hash);
    // Account state is told only to someone who knows the password: no enumeration.
    if (good && row.disabled === 1) return { ok: false, reason: 'disabled' };
    if (good && this.isLocked(row)) return { ok: false, reason: 'locked', user: await this.toUser(row) };
    if (!good) {
      // Counted in the database, so parallel wrong passwords all count.
      const now = this.clock.now().getTime();
      await this.db
        .updateTable('users')
        .set((eb) => ({ failed_signins: eb('failed_signins', '+', 1), last_failed_signin_at: now }))
        .where('id', '=', row.id)
        .execute();
      await this.db
        .updateTable('users')
        .set({ locked_at: now, failed_signins: 0 })
        .where('id', '=', row.id)
        .where('failed_signins', '>=', this.options.lockoutThreshold)
        .execute();
      return { ok: false, reason: 'invalid' };
    }
    if (row.failed_signins > 0 || row.locked_at !== null) {
      await this.db.updateTable('users').set({ failed_signins: 0, locked_at: null }).where('id', '=', row.id).execute();
    }
    const user = await this.toUser({ ...row, failed_signins: 0, locked_at: null });
    return { ok: true, user };
  }

  /** History and "same as current" checks, the directory's own verdict (R18b). */
  private async historyViolations(userId: string, currentHash: string, newPassword: string, policy: PolicyDocument): Promise<Violation[]> {
    const m = PASSWORD_MESSAGES.en;
    const n = policy.password.historyCount;
    if (n === 0) return [];
    if (await verifySecret(newPassword, currentHash)) return [{ rule: 'history', message: m.history(n) }];
    const older = await this.db
      .selectFrom('password_history')
      .select('password_hash')
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(Math.max(0, n - 1))
      .execute();
    for (const h of older) {
      if (await verifySecret(newPassword, h.password_hash)) return [{ rule: 'history', message: m.history(n) }];
    }
    return [];
  }

  private async writePassword(
    row: UserRow,
    newPassword: string,
    opts: { unlock: boolean; mustChange: boolean },
    complete?: (trx: Transaction<Database>, changedAt: Date) => Promise<void>,
  ): Promise<PasswordWriteResult> {
    const policy = await this.policy();
    const violations = await this.historyViolations(row.id, row.password_hash, newPassword, policy);
    if (violations.length) return { ok: false, violations };
    const hash = await hashSecret(newPassword, this.hashParams);
    const now = this.clock.now().getTime();
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('password_history').values({ user_id: row.id, password_hash: row.password_hash, created_at: now }).execute();
      await trx
        .updateTable('users')
        .set({
          password_hash: hash,
          password_changed_at: now,
          must_change: opts.mustChange ? 1 : 0,
          ...(opts.unlock ? { failed_signins: 0, locked_at: null } : {}),
        })
        .where('id', '=', row.id)
        .execute();
      // Keep only what the history rule can need.
      const keep = await trx.selectFrom('password_history').select('id').where('user_id', '=', row.id).orderBy('id', 'desc').limit(24).execute();
      if (keep.length === 24) await trx.deleteFrom('password_history').where('user_id', '=', row.id).where('id', '<', keep[keep.length - 1]!.id).execute();
      await complete?.(trx, new Date(now));
    });
    return { ok: true, changedAt: new Date(now) };
  }

  async resetPassword(user: DirectoryAccount, newPassword: string, options: { unlock: boolean; mustChange?: boolean }): Promise<PasswordWriteResult> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirst();
    if (!row) return { ok: false, violations: [{ rule: 'directory', message: 'The account no longer exists.' }] };
    return this.writePassword(row, newPassword, { unlock: options.unlock, mustChange: options.mustChange ?? false });
  }

  async resetPasswordWith(
    user: DirectoryAccount,
    newPassword: string,
    options: { unlock: boolean; mustChange?: boolean },
    complete: (trx: Transaction<Database>, changedAt: Date) => Promise<void>,
  ): Promise<PasswordWriteResult> {
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirst();
    if (!row) return { ok: false, violations: [{ rule: 'directory', message: 'The account no longer exists.' }] };
    return this.writePassword(row, newPassword, { unlock: options.unlock, mustChange: options.mustChange ?? false }, complete);
  }

  changePassword(user: DirectoryAccount, currentPassword: string, newPassword: string): Promise<PasswordWriteResult> {
    return this.changePasswordWith(user, currentPassword, newPassword);
  }

  async changePasswordWith(
    user: DirectoryAccount,
    currentPassword: string,
    newPassword: string,
    complete?: (trx: Transaction<Database>, changedAt: Date) => Promise<void>,
  ): Promise<PasswordWriteResult> {
    const m = PASSWORD_MESSAGES.en;
    // Checked as a sign-in checks it, so wrong current passwords count towards the lockout.
    const current = await this.verifyPassword(user.username, currentPassword);
    if (!current.ok && current.reason === 'locked') return { ok: false, violations: [{ rule: 'accountLocked', message: m.accountLocked }] };
    if (!current.ok && current.reason === 'disabled') return { ok: false, violations: [{ rule: 'accountDisabled', message: m.accountDisabled }] };
    if (!current.ok || current.user.id !== user.id) return { ok: false, violations: [{ rule: 'currentPassword', message: m.currentPassword }] };
    if (currentPassword === newPassword) return { ok: false, violations: [{ rule: 'sameAsCurrent', message: m.sameAsCurrent }] };
    const row = await this.db.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirst();
    if (!row) return { ok: false, violations: [{ rule: 'accountGone', message: m.accountGone }] };
    return this.writePassword(row, newPassword, { unlock: false, mustChange: false }, complete);
  }

  async unlock(user: DirectoryUser): Promise<void> {
    await this.db.updateTable('users').set({ failed_signins: 0, locked_at: null }).where('id', '=', user.id).execute();
  }

  /** R36: keyset pages over the (password_changed_at, id) index; expiry is change + the policy's max age. */
  async forEachExpiring(window: ExpiryWindow, pageSize: number, onPage: (accounts: ExpiringAccount[]) => Promise<void>): Promise<void> {
    if (window.maxAgeDays <= 0) return;
    const maxAgeMs = window.maxAgeDays * 86_400_000;
    const [low, high] = [window.from.getTime() - maxAgeMs, window.to.getTime() - maxAgeMs];
    let after: { changedAt: number; id: string } | null = null;
    for (;;) {
      let q = this.db
        .selectFrom('users')
        .select(['id', 'username', 'display_name', 'email', 'password_changed_at'])
        .where('password_changed_at', '>', low)
        .where('password_changed_at', '<=', high)
        .where('disabled', '=', 0)
        .where('never_expires', '=', 0)
        .where('must_change', '=', 0)
        .orderBy('password_changed_at')
        .orderBy('id')
        .limit(pageSize);
      if (after) {
        const { changedAt, id } = after;
        q = q.where((eb) => eb.or([eb('password_changed_at', '>', changedAt), eb.and([eb('password_changed_at', '=', changedAt), eb('id', '>', id)])]));
      }
      const rows = await q.execute();
      if (rows.length === 0) return;
      // The built-in directory records no language: its reminders go in the deployment's.
      await onPage(rows.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name, email: r.email, expiresAt: new Date(Number(r.password_changed_at) + maxAgeMs), locale: null })));
      if (rows.length < pageSize) return;
      const last = rows.at(-1)!;
      after = { changedAt: Number(last.password_changed_at), id: last.id };
    }
  }

  async listAdmins(): Promise<DirectoryUser[]> {
    const rows = await this.db.selectFrom('users').selectAll().where('is_admin', '=', 1).where('disabled', '=', 0).execute();
    return Promise.all(rows.map((r) => this.toUser(r)));
  }

  async ping(): Promise<void> {
    await this.db.selectFrom('users').select('id').limit(1).execute();
  }

  async close(): Promise<void> {}

  // ---- administration of the built-in directory (admin API and CLI) ----

  async createUser(input: NewBuiltinUser, conn: Conn = this.db): Promise<DirectoryUser> {
    const id = newId();
    const now = this.clock.now().getTime();
    await conn
      .insertInto('users')
      .values({
        id,
        username: input.username.trim(),
        username_key: usernameKey(input.username),
        display_name: input.displayName,
        email: input.email ?? null,
        is_admin: input.isAdmin ? 1 : 0,
        disabled: 0,
        password_hash: await hashSecret(input.password, this.hashParams),
        password_changed_at: now,
        must_change: input.mustChange ? 1 : 0,
        never_expires: 0,
        failed_signins: 0,
        locked_at: null,
        last_failed_signin_at: null,
        created_at: now,
      })
      .execute();
    for (const g of input.groups ?? []) await this.addMember(g, id, conn);
    const row = await conn.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return this.toUser(row, conn);
  }

  async updateUser(
    id: string,
    patch: { displayName?: string; email?: string | null; isAdmin?: boolean; disabled?: boolean; mustChange?: boolean; neverExpires?: boolean; groups?: string[] },
    conn: Conn = this.db,
  ): Promise<void> {
    const set: Partial<UserRow> = {};
    if (patch.displayName !== undefined) set.display_name = patch.displayName;
    if (patch.email !== undefined) set.email = patch.email;
    if (patch.isAdmin !== undefined) set.is_admin = patch.isAdmin ? 1 : 0;
    if (patch.disabled !== undefined) set.disabled = patch.disabled ? 1 : 0;
    if (patch.mustChange !== undefined) set.must_change = patch.mustChange ? 1 : 0;
    if (patch.neverExpires !== undefined) set.never_expires = patch.neverExpires ? 1 : 0;
    if (Object.keys(set).length) await conn.updateTable('users').set(set).where('id', '=', id).execute();
    if (patch.groups) {
      await conn.deleteFrom('group_members').where('user_id', '=', id).execute();
      for (const g of patch.groups) await this.addMember(g, id, conn);
    }
  }

  async deleteUser(id: string, conn: Conn = this.db): Promise<void> {
    await conn.deleteFrom('group_members').where('user_id', '=', id).execute();
    await conn.deleteFrom('password_history').where('user_id', '=', id).execute();
    await conn.deleteFrom('users').where('id', '=', id).execute();
  }

  async listUsers(options: { after?: string; limit: number; q?: string }): Promise<DirectoryUser[]> {
    let q = this.db.selectFrom('users').selectAll().orderBy('username_key').limit(options.limit);
    if (options.after) q = q.where('username_key', '>', options.after);
    if (options.q) q = q.where('username_key', 'like', `%${usernameKey(options.q).replace(/[%_\\]/g, '\\$&')}%`);
    const rows = await q.execute();
    return Promise.all(rows.map((r) => this.toUser(r)));
  }

  async createGroup(name: string, description = '', conn: Conn = this.db): Promise<void> {
    await conn.insertInto('groups').values({ name_key: usernameKey(name), name: name.trim(), description }).execute();
  }

  async groupExists(name: string, conn: Conn = this.db): Promise<boolean> {
    return !!(await conn.selectFrom('groups').select('name').where('name_key', '=', usernameKey(name)).executeTakeFirst());
  }

  async deleteGroup(name: string, conn: Conn = this.db): Promise<void> {
    await conn.deleteFrom('group_members').where('group_key', '=', usernameKey(name)).execute();
    await conn.deleteFrom('groups').where('name_key', '=', usernameKey(name)).execute();
  }

  /** Adds a membership, creating the group when it does not exist yet. */
  async addMember(group: string, userId: string, conn: Conn = this.db): Promise<void> {
    const key = usernameKey(group);
    if (!(await this.groupExists(group, conn))) await conn.insertInto('groups').values({ name_key: key, name: group.trim(), description: '' }).execute();
    await conn.insertInto('group_members').values({ group_key: key, user_id: userId }).onConflict((oc) => oc.doNothing()).execute();
  }

  async removeMember(group: string, userId: string, conn: Conn = this.db): Promise<void> {
    await conn.deleteFrom('group_members').where('group_key', '=', usernameKey(group)).where('user_id', '=', userId).execute();
  }

  async listGroups(): Promise<Array<{ name: string; description: string; members: string[] }>> {
    const groups = await this.db.selectFrom('groups').selectAll().orderBy('name_key').execute();
    const members = await this.db
      .selectFrom('group_members')
      .innerJoin('users', 'users.id', 'group_members.user_id')
      .select(['group_members.group_key', 'users.username'])
      .orderBy('users.username_key')
      .execute();
    return groups.map((g) => ({ name: g.name, description: g.description, members: members.filter((m) => m.group_key === g.name_key).map((m) => m.username) }));
  }
}
