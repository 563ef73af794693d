import type { Transaction } from 'kysely';
import type { Violation } from '../../shared/api/errors.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { PASSWORD_MESSAGES } from '../../shared/i18n/messages.js';
import type { Clock } from '../clock.js';
import { hashSecret, verifySecret, type HashParams } from '../security/password-hash.js';
import { newId } from '../security/tokens.js';
import type { BuiltinDirectoryStore, UserGroupRow, UserRow } from '../store/builtin-directory-store.js';
import type { Db } from '../store/db.js';
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

/** A reset's refusal when the account is not there (any more). */
const GONE: Violation = { rule: 'directory', message: 'The account no longer exists.' };

const DEFAULTS: BuiltinDirectoryOptions = { lockoutThreshold: 10, lockoutDurationMs: 30 * 60_000 };

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
    private readonly rows: BuiltinDirectoryStore,
    private readonly clock: Clock,
    private readonly policy: () => Promise<PolicyDocument>,
    private readonly hashParams: HashParams,
    options: Partial<BuiltinDirectoryOptions> = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  private fromJoined(rows: UserGroupRow[]): DirectoryUser | null {
    if (!rows.length) return null;
    const { group_name: _, ...row } = rows[0]!;
    return this.userOf(row, groupNames(rows));
  }

  private async toUser(row: UserRow, conn?: Conn): Promise<DirectoryUser> {
    return this.userOf(row, await this.rows.groupsOf(row.id, conn));
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

  async findUser(username: string): Promise<DirectoryUser | null> {
    return this.fromJoined(await this.rows.withGroupsByKey(usernameKey(username)));
  }

  async findUserById(id: string): Promise<DirectoryUser | null> {
    return this.fromJoined(await this.rows.withGroupsById(id));
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
    // The user and their groups in one read: the groups are needed only when the password is right.
    const joined = await this.rows.withGroupsByKey(usernameKey(username));
    return this.verifyRow(joined[0], () => groupNames(joined), password);
  }

  /** A password against one user's row (undefined: no such user), as a sign-in checks it. */
  private async verifyRow(row: UserRow | undefined, groups: () => string[], password: string): Promise<VerifyResult> {
    if (!row) {
      this.dummyHash ??= hashSecret('dummy-password-for-timing', this.hashParams);
      await verifySecret(password, await this.dummyHash);
      return { ok: false, reason: 'invalid' };
    }
    const good = await verifySecret(password, row.password_hash);
    // Account state is told only to someone who knows the password: no enumeration.
    if (good && row.disabled === 1) return { ok: false, reason: 'disabled' };
    if (good && this.isLocked(row)) return { ok: false, reason: 'locked', user: this.userOf(row, groups()) };
    if (!good) {
      // Counted in the database, so parallel wrong passwords all count.
      await this.rows.countFailedSignIn(row.id, this.clock.now().getTime(), this.options.lockoutThreshold);
      return { ok: false, reason: 'invalid' };
    }
    if (row.failed_signins > 0 || row.locked_at !== null) {
      await this.rows.clearFailedSignIns(row.id);
    }
    return { ok: true, user: this.userOf({ ...row, failed_signins: 0, locked_at: null }, groups()) };
  }

  /**
   * History and "same as current" checks, the directory's own verdict (R18b). `isCurrent`:
   * whether the new password is the current one, when the caller already knows.
   */
  private async historyViolations(userId: string, currentHash: string, newPassword: string, policy: PolicyDocument, isCurrent?: boolean): Promise<Violation[]> {
    const m = PASSWORD_MESSAGES.en;
    const n = policy.password.historyCount;
    if (n === 0) return [];
    if (isCurrent ?? (await verifySecret(newPassword, currentHash))) return [{ rule: 'history', message: m.history(n) }];
    for (const older of await this.rows.historyHashes(userId, Math.max(0, n - 1))) {
      if (await verifySecret(newPassword, older)) return [{ rule: 'history', message: m.history(n) }];
    }
    return [];
  }

  /** `gone`: the refusal when the account is deleted before the write lands. */
  private async writePassword(
    row: UserRow,
    newPassword: string,
    opts: { unlock: boolean; mustChange: boolean },
    gone: Violation,
    complete?: (trx: Transaction<Database>, changedAt: Date) => Promise<void>,
    isCurrent?: boolean,
  ): Promise<PasswordWriteResult> {
    const policy = await this.policy();
    const violations = await this.historyViolations(row.id, row.password_hash, newPassword, policy, isCurrent);
    if (violations.length) return { ok: false, violations };
    const hash = await hashSecret(newPassword, this.hashParams);
    const now = this.clock.now().getTime();
    if (!(await this.rows.writePassword(row.id, hash, now, opts, complete && ((trx) => complete(trx, new Date(now)))))) return { ok: false, violations: [gone] };
    return { ok: true, changedAt: new Date(now) };
  }

  async resetPassword(user: DirectoryAccount, newPassword: string, options: { unlock: boolean; mustChange?: boolean }): Promise<PasswordWriteResult> {
    const row = await this.rows.byId(user.id);
    if (!row) return { ok: false, violations: [GONE] };
    return this.writePassword(row, newPassword, { unlock: options.unlock, mustChange: options.mustChange ?? false }, GONE);
  }

  async resetPasswordWith(
    user: DirectoryAccount,
    newPassword: string,
    options: { unlock: boolean; mustChange?: boolean },
    complete: (trx: Transaction<Database>, changedAt: Date) => Promise<void>,
  ): Promise<PasswordWriteResult> {
    const row = await this.rows.byId(user.id);
    if (!row) return { ok: false, violations: [GONE] };
    return this.writePassword(row, newPassword, { unlock: options.unlock, mustChange: options.mustChange ?? false }, GONE, complete);
  }

  async changePassword(user: DirectoryAccount, currentPassword: string, newPassword: string, beforeWrite?: () => Promise<void>): Promise<PasswordWriteResult> {
    await beforeWrite?.();
    return this.changePasswordWith(user, currentPassword, newPassword);
  }

  async changePasswordWith(
    user: DirectoryAccount,
    currentPassword: string,
    newPassword: string,
    complete?: (trx: Transaction<Database>, changedAt: Date) => Promise<void>,
  ): Promise<PasswordWriteResult> {
    const m = PASSWORD_MESSAGES.en;
    // Checked as a sign-in checks it, so wrong current passwords count towards the lockout; the
    // row read for it is the one written from (one read; the write copies the hash it replaces
    // into the history itself and finds out if the account has gone meanwhile).
    const row = await this.rows.byId(user.id);
    const current = await this.verifyRow(row, () => [], currentPassword);
    if (!current.ok && current.reason === 'locked') return { ok: false, violations: [{ rule: 'accountLocked', message: m.accountLocked }] };
    if (!current.ok && current.reason === 'disabled') return { ok: false, violations: [{ rule: 'accountDisabled', message: m.accountDisabled }] };
    if (!current.ok || !row) return { ok: false, violations: [{ rule: 'currentPassword', message: m.currentPassword }] };
    if (currentPassword === newPassword) return { ok: false, violations: [{ rule: 'sameAsCurrent', message: m.sameAsCurrent }] };
    // The current password was just checked against this very hash, so the new one matches it
    // exactly when both are one text to scrypt (NFC): no second scrypt.
    const isCurrent = newPassword.normalize('NFC') === currentPassword.normalize('NFC');
    return this.writePassword(row, newPassword, { unlock: false, mustChange: false }, { rule: 'accountGone', message: m.accountGone }, complete, isCurrent);
  }

  async unlock(user: DirectoryUser): Promise<void> {
    await this.rows.clearFailedSignIns(user.id);
  }

  /** R36: keyset pages over the (password_changed_at, id) index; expiry is change + the policy's max age. */
  async forEachExpiring(window: ExpiryWindow, pageSize: number, onPage: (accounts: ExpiringAccount[]) => Promise<void>): Promise<void> {
    if (window.maxAgeDays <= 0) return;
    const maxAgeMs = window.maxAgeDays * 86_400_000;
    const [low, high] = [window.from.getTime() - maxAgeMs, window.to.getTime() - maxAgeMs];
    let after: { changedAt: number; id: string } | null = null;
    for (;;) {
      const rows = await this.rows.expiringPage(low, high, after, pageSize);
      if (rows.length === 0) return;
      // The built-in directory records no language: its reminders go in the deployment's.
      await onPage(rows.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name, email: r.email, expiresAt: new Date(Number(r.password_changed_at) + maxAgeMs), locale: null })));
      if (rows.length < pageSize) return;
      const last = rows.at(-1)!;
      after = { changedAt: Number(last.password_changed_at), id: last.id };
    }
  }

  async listAdmins(): Promise<DirectoryUser[]> {
    const rows = await this.rows.enabledAdmins();
    return Promise.all(rows.map((r) => this.toUser(r)));
  }

  async ping(): Promise<void> {
    await this.rows.ping();
  }

  async close(): Promise<void> {}

  // ---- administration of the built-in directory (admin API and CLI) ----

  async createUser(input: NewBuiltinUser, conn?: Conn): Promise<DirectoryUser> {
    const id = newId();
    const now = this.clock.now().getTime();
    await this.rows.insertUser({
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
      },
      conn,
    );
    for (const g of input.groups ?? []) await this.addMember(g, id, conn);
    const row = await this.rows.byId(id, conn);
    if (!row) throw new Error('the user just inserted is not there');
    return this.toUser(row, conn);
  }

  async updateUser(
    id: string,
    patch: { displayName?: string; email?: string | null; isAdmin?: boolean; disabled?: boolean; mustChange?: boolean; neverExpires?: boolean; groups?: string[] },
    conn?: Conn,
  ): Promise<void> {
    const set: Partial<UserRow> = {};
    if (patch.displayName !== undefined) set.display_name = patch.displayName;
    if (patch.email !== undefined) set.email = patch.email;
    if (patch.isAdmin !== undefined) set.is_admin = patch.isAdmin ? 1 : 0;
    if (patch.disabled !== undefined) set.disabled = patch.disabled ? 1 : 0;
    if (patch.mustChange !== undefined) set.must_change = patch.mustChange ? 1 : 0;
    if (patch.neverExpires !== undefined) set.never_expires = patch.neverExpires ? 1 : 0;
    if (Object.keys(set).length) await this.rows.updateUser(id, set, conn);
    if (patch.groups) {
      await this.rows.clearMemberships(id, conn);
      for (const g of patch.groups) await this.addMember(g, id, conn);
    }
  }

  async deleteUser(id: string, conn?: Conn): Promise<void> {
    await this.rows.deleteUser(id, conn);
  }

  async listUsers(options: { after?: string; limit: number; q?: string }): Promise<DirectoryUser[]> {
    const like = options.q ? `%${usernameKey(options.q).replace(/[%_\\]/g, '\\$&')}%` : undefined;
    const rows = await this.rows.listUsers({ after: options.after, limit: options.limit, like });
    return Promise.all(rows.map((r) => this.toUser(r)));
  }

  async forEachUser(pageSize: number, onPage: (users: DirectoryUser[]) => Promise<void>): Promise<void> {
    let after: string | undefined;
    for (;;) {
      const users = await this.listUsers({ after, limit: pageSize });
      if (users.length) await onPage(users);
      if (users.length < pageSize) return;
      after = usernameKey(users[users.length - 1]!.username);
    }
  }

  async createGroup(name: string, description = '', conn?: Conn): Promise<void> {
    await this.rows.insertGroup({ name_key: usernameKey(name), name: name.trim(), description }, conn);
  }

  async groupExists(name: string, conn?: Conn): Promise<boolean> {
    return this.rows.groupExists(usernameKey(name), conn);
  }

  async deleteGroup(name: string, conn?: Conn): Promise<void> {
    await this.rows.deleteGroup(usernameKey(name), conn);
  }

  /** Adds a membership, creating the group when it does not exist yet. */
  async addMember(group: string, userId: string, conn?: Conn): Promise<void> {
    const key = usernameKey(group);
    if (!(await this.groupExists(group, conn))) await this.rows.insertGroup({ name_key: key, name: group.trim(), description: '' }, conn);
    await this.rows.addMember(key, userId, conn);
  }

  async removeMember(group: string, userId: string, conn?: Conn): Promise<void> {
    await this.rows.removeMember(usernameKey(group), userId, conn);
  }

  async listGroups(): Promise<Array<{ name: string; description: string; members: string[] }>> {
    const { groups, members } = await this.rows.groupsAndMembers();
    return groups.map((g) => ({ name: g.name, description: g.description, members: members.filter((m) => m.group_key === g.name_key).map((m) => m.username) }));
  }
}

/** The group names of a user's joined rows (one row per group, or one with null). Pure. */
function groupNames(rows: UserGroupRow[]): string[] {
  return rows.flatMap((r) => (r.group_name === null ? [] : [r.group_name]));
}
