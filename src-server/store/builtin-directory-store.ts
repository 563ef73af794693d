import type { Transaction } from 'kysely';
import { ReusableQuery, type Db } from './db.js';
import type { Database } from './schema.js';

type Conn = Db | Transaction<Database>;
export type UserRow = Database['users'];
/** A user row joined with one of its groups' names: one row per group, or one with null. */
export type UserGroupRow = UserRow & { group_name: string | null };
type ExpiringRow = Pick<UserRow, 'id' | 'username' | 'display_name' | 'email' | 'password_changed_at'>;

/** Password history rows kept per user: as many as the history rule can ask for. */
const HISTORY_KEPT = 24;

/**
 * The built-in directory's tables: users (keyed by their case-folded name), groups and
 * memberships, password history. The rules (lockout, history, hashing) are in
 * directory/builtin-directory.ts; this knows only the rows.
 */
export class BuiltinDirectoryStore {
  constructor(private readonly db: Db) {}

  /**
   * Every sign-in, change and reset runs these: compiled once (see ReusableQuery). byName and
   * byId read the user and their groups in one query.
   */
  private readonly q = {
    byName: new ReusableQuery<{ key: string }, UserGroupRow>((db, v) => this.withGroups(db).where('users.username_key', '=', v.key)),
    byId: new ReusableQuery<{ id: string }, UserGroupRow>((db, v) => this.withGroups(db).where('users.id', '=', v.id)),
    row: new ReusableQuery<{ id: string }, UserRow>((db, v) => db.selectFrom('users').selectAll().where('id', '=', v.id)),
    groups: new ReusableQuery<{ userId: string }, { name: string }>((db, v) =>
      db.selectFrom('group_members').innerJoin('groups', 'groups.name_key', 'group_members.group_key').select('groups.name').where('group_members.user_id', '=', v.userId).orderBy('groups.name'),
    ),
    clearFailed: new ReusableQuery<{ id: string }, never>((db, v) => db.updateTable('users').set({ failed_signins: 0, locked_at: null }).where('id', '=', v.id)),
    history: new ReusableQuery<{ userId: string; count: number }, { password_hash: string }>((db, v) =>
      db.selectFrom('password_history').select('password_hash').where('user_id', '=', v.userId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(v.count),
    ),
    /** The hash about to be replaced, copied from the row itself: exact whatever was read before. */
    keepHistory: new ReusableQuery<{ userId: string; now: number }, never>((db, v) =>
      db
        .insertInto('password_history')
        .columns(['user_id', 'password_hash', 'created_at'])
        .expression((eb) => eb.selectFrom('users').select(['id', 'password_hash', eb.cast<number>(eb.val(v.now), 'bigint').as('created_at')]).where('id', '=', v.userId)),
    ),
    setPassword: new ReusableQuery<{ id: string; hash: string; now: number; mustChange: number }, never>((db, v) =>
      db.updateTable('users').set({ password_hash: v.hash, password_changed_at: v.now, must_change: v.mustChange }).where('id', '=', v.id),
    ),
    setPasswordAndUnlock: new ReusableQuery<{ id: string; hash: string; now: number; mustChange: number }, never>((db, v) =>
      db.updateTable('users').set({ password_hash: v.hash, password_changed_at: v.now, must_change: v.mustChange, failed_signins: 0, locked_at: null }).where('id', '=', v.id),
    ),
    /** Every row older than the newest HISTORY_KEPT (none while there are no more). */
    trimHistory: new ReusableQuery<{ userId: string }, never>((db, v) =>
      db
        .deleteFrom('password_history')
        .where('user_id', '=', v.userId)
        .where('id', '<=', (eb) => eb.selectFrom('password_history').select('id').where('user_id', '=', v.userId).orderBy('id', 'desc').limit(1).offset(HISTORY_KEPT)),
    ),
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

  async withGroupsByKey(key: string): Promise<UserGroupRow[]> {
    return this.q.byName.rows(this.db, { key });
  }

  async withGroupsById(id: string): Promise<UserGroupRow[]> {
    return this.q.byId.rows(this.db, { id });
  }

  async groupsOf(userId: string, conn: Conn = this.db): Promise<string[]> {
    return (await this.q.groups.rows(conn, { userId })).map((g) => g.name);
  }

  async byId(id: string, conn: Conn = this.db): Promise<UserRow | undefined> {
    return this.q.row.first(conn, { id });
  }

  /** Counted in the database, so parallel wrong passwords all count; locks at `threshold`. */
  async countFailedSignIn(id: string, now: number, threshold: number): Promise<void> {
    await this.db
      .updateTable('users')
      .set((eb) => ({ failed_signins: eb('failed_signins', '+', 1), last_failed_signin_at: now }))
      .where('id', '=', id)
      .execute();
    await this.db
      .updateTable('users')
      .set({ locked_at: now, failed_signins: 0 })
      .where('id', '=', id)
      .where('failed_signins', '>=', threshold)
      .execute();
  }

  async clearFailedSignIns(id: string): Promise<void> {
    await this.q.clearFailed.run(this.db, { id });
  }

  /** The newest `count` earlier password hashes of the user. */
  async historyHashes(userId: string, count: number): Promise<string[]> {
    return (await this.q.history.rows(this.db, { userId, count })).map((h) => h.password_hash);
  }

  /**
   * The new hash in one transaction with the old one's history row; `complete` joins that
   * transaction (its audit and bookkeeping commit with the password or not at all). False,
   * with nothing written, when the user is not there.
   */
  async writePassword(
    userId: string,
    hash: string,
    now: number,
    opts: { unlock: boolean; mustChange: boolean },
    complete?: (trx: Transaction<Database>) => Promise<void>,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      // No row copied: no user, and nothing else is written.
      if (!(await this.q.keepHistory.affected(trx, { userId, now }))) return false;
      await (opts.unlock ? this.q.setPasswordAndUnlock : this.q.setPassword).run(trx, { id: userId, hash, now, mustChange: opts.mustChange ? 1 : 0 });
      // Keep only what the history rule can need.
      await this.q.trimHistory.run(trx, { userId });
      await complete?.(trx);
      return true;
    });
  }

  /** R36: one keyset page of enabled, expiring accounts changed in (low, high], over the (password_changed_at, id) index. */
  async expiringPage(low: number, high: number, after: { changedAt: number; id: string } | null, pageSize: number): Promise<ExpiringRow[]> {
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
    return q.execute();
  }

  async enabledAdmins(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().where('is_admin', '=', 1).where('disabled', '=', 0).execute();
  }

  async ping(): Promise<void> {
    await this.db.selectFrom('users').select('id').limit(1).execute();
  }

  async insertUser(row: UserRow, conn: Conn = this.db): Promise<void> {
    await conn.insertInto('users').values(row).execute();
  }

  async updateUser(id: string, set: Partial<UserRow>, conn: Conn = this.db): Promise<void> {
    await conn.updateTable('users').set(set).where('id', '=', id).execute();
  }

  async clearMemberships(userId: string, conn: Conn = this.db): Promise<void> {
    await conn.deleteFrom('group_members').where('user_id', '=', userId).execute();
  }

  async deleteUser(id: string, conn: Conn = this.db): Promise<void> {
    await conn.deleteFrom('group_members').where('user_id', '=', id).execute();
    await conn.deleteFrom('password_history').where('user_id', '=', id).execute();
    await conn.deleteFrom('users').where('id', '=', id).execute();
  }

  /** A page in name order after `after`; `like` is a ready LIKE pattern on the name key. */
  async listUsers(options: { after?: string; limit: number; like?: string }): Promise<UserRow[]> {
    let q = this.db.selectFrom('users').selectAll().orderBy('username_key').limit(options.limit);
    if (options.after) q = q.where('username_key', '>', options.after);
    if (options.like) q = q.where('username_key', 'like', options.like);
    return q.execute();
  }

  async insertGroup(group: { name_key: string; name: string; description: string }, conn: Conn = this.db): Promise<void> {
    await conn.insertInto('groups').values(group).execute();
  }

  async groupExists(key: string, conn: Conn = this.db): Promise<boolean> {
    return !!(await conn.selectFrom('groups').select('name').where('name_key', '=', key).executeTakeFirst());
  }

  async deleteGroup(key: string, conn: Conn = this.db): Promise<void> {
    await conn.deleteFrom('group_members').where('group_key', '=', key).execute();
    await conn.deleteFrom('groups').where('name_key', '=', key).execute();
  }

  async addMember(key: string, userId: string, conn: Conn = this.db): Promise<void> {
    await conn.insertInto('group_members').values({ group_key: key, user_id: userId }).onConflict((oc) => oc.doNothing()).execute();
  }

  async removeMember(key: string, userId: string, conn: Conn = this.db): Promise<void> {
    await conn.deleteFrom('group_members').where('group_key', '=', key).where('user_id', '=', userId).execute();
  }

  /** Every group in name order, and every membership as (group key, user name) in user order. */
  async groupsAndMembers(): Promise<{ groups: Array<Database['groups']>; members: Array<{ group_key: string; username: string }> }> {
    const groups = await this.db.selectFrom('groups').selectAll().orderBy('name_key').execute();
    const members = await this.db
      .selectFrom('group_members')
      .innerJoin('users', 'users.id', 'group_members.user_id')
      .select(['group_members.group_key', 'users.username'])
      .orderBy('users.username_key')
      .execute();
    return { groups, members };
  }
}
