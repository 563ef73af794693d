import type { Client, Control, Filter } from 'ldapts';
import { PASSWORD_MESSAGES } from '../../../shared/i18n/messages.js';
import type { Clock } from '../../clock.js';
import type { Directory, DirectoryAccount, DirectoryUser, EarlyPasswordCheck, ExpiringAccount, ExpiryWindow, PasswordWriteResult, SeenAccount, VerifyResult } from '../directory.js';
import { ClientPool, isVerdict, type LdapConnector } from './connection.js';
import { bindThen, EarlyBind, LastSeen, type BoundWork } from './early-bind.js';
import { and, eq } from './escape.js';
import type { RootDse } from './root-dse.js';
import { UncertainWrites } from './uncertain-writes.js';
import { Attrs, firstRdnValue, looksLikeDn, normalizeDn, preferredLocale } from './values.js';

/** A change's `beforeWrite` failed (the caller's store, say): nothing was written, and its error is the answer. */
export interface NotWritten {
  kind: 'notWritten';
  error: unknown;
}

/**
 * Awaits a change's `beforeWrite` on a connection bound and about to write. A failure is
 * returned, not thrown, so the pool does not take the caller's error for the directory's.
 */
export async function holdWrite(beforeWrite: () => Promise<void>): Promise<NotWritten | null> {
  try {
    await beforeWrite();
    return null;
  } catch (error) {
    return { kind: 'notWritten', error };
  }
}

const m = PASSWORD_MESSAGES.en;

/** Everything an LDAP adapter is configured with (from SSPR_LDAP_* and the config file). */
export interface LdapSettings {
  url: string;
  bindDn: string;
  bindPassword: string;
  baseDn: string;
  caFile?: string;
  startTls: boolean;
  /** Attribute holding a second email address, offered as the email method (R4). */
  alternateEmailAttribute: string;
  timeoutMs: number;
  /** Members (AD: nested too) are SSPR administrators (R10, R22). A name (cn) or a DN. */
  adminGroup?: string;
  /** OpenLDAP: groups by a search for the user's DN, or off the entry's memberOf (the overlay). */
  groupsFrom?: 'search' | 'memberOf';
  /** OpenLDAP: the default ppolicy entry, when it cannot be found under the naming context. */
  ppolicyDn?: string;
  /** Connections per pool (service account, user binds). */
  poolSize: number;
  /** How long a read password-policy entry is reused. */
  policyCacheMs: number;
}

/** Where the adapters report what an operator should know (pino's `warn` fits). */
export interface DirectoryLog {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface LdapContext {
  settings: LdapSettings;
  clock: Clock;
  log: DirectoryLog;
  rootDse: RootDse;
  connector: LdapConnector;
}

/** A user made from an entry, with the groups it was made with. */
export interface UserOfEntry {
  user: DirectoryUser;
  groups: GroupRef[];
}

export interface GroupRef {
  dn: string;
  name: string;
}

/** The longest user name looked up; anything longer finds nobody without asking the directory. */
const MAX_LOGIN = 256;

/**
 * How long an entry read for an account is reused by a write on that account: long enough
 * for the request that read it, short enough that a kept object never writes from an old read.
 */
const CARRY_MS = 5_000;

/**
 * What OpenLDAP and Active Directory share: two connection pools (one bound as the service
 * account, one for users' own binds), user look-up by any login attribute with escaped
 * filters, group scope and administrators. The flavours add their entry mapping and the
 * password operations.
 */
export abstract class LdapDirectory implements Directory {
  abstract readonly kind: 'openldap' | 'activedirectory';
  protected readonly settings: LdapSettings;
  protected readonly clock: Clock;
  /** Bound as the service account; reads, resets, unlocks. */
  protected readonly service: ClientPool;
  /** Rebound per use as the user: sign-in checks and users' own changes. */
  protected readonly binder: ClientPool;
  private adminGroupDn: Promise<string | null> | null = null;
  /** Resets that timed out and may still land (see landedLate). */
  protected readonly uncertain = new UncertainWrites();
  /**
   * The entry each returned account was made from (for the same request's first write, then
   * dropped: a write may change it) and its groups (for scope checks), so neither is read twice.
   */
  private readonly carried = new WeakMap<DirectoryAccount, { entry: Attrs | null; at: number; groups?: GroupRef[] }>();
  /** Where each account was last read, for a change's early bind. */
  private readonly seen = new LastSeen();

  constructor(protected readonly ctx: LdapContext) {
    this.settings = ctx.settings;
    this.clock = ctx.clock;
    const s = ctx.settings;
    this.service = new ClientPool('service account', ctx.connector, (c) => c.bind(s.bindDn, s.bindPassword), s.poolSize);
    this.binder = new ClientPool('user bind', ctx.connector, async () => {}, s.poolSize);
  }

  /** Filter part that selects user entries. */
  protected abstract readonly userClass: string;
  /** Filter matching one login (already escaped). */
  protected abstract loginFilter(login: string): string;
  /** Filter for the stable id, or null when `id` cannot be one. */
  protected abstract idFilter(id: string): string | Filter | null;
  /** The attribute an account's id is read from, and the id it gives (as `findUserById` takes it). */
  protected abstract readonly idAttribute: string;
  protected abstract idOf(entry: Attrs): string | null;
  protected abstract readonly userAttributes: string[];
  protected abstract readonly groupDefault: string | undefined;
  /** Groups the entry belongs to (AD: nested ones too). */
  protected abstract groupsOf(user: Attrs): Promise<GroupRef[]>;
  protected abstract toAccount(entry: Attrs): Promise<DirectoryAccount>;
  abstract verifyPassword(username: string, password: string): Promise<VerifyResult>;
  abstract resetPassword(user: DirectoryAccount, newPassword: string, options: { unlock: boolean; mustChange?: boolean }): Promise<PasswordWriteResult>;
  /**
   * The directory's own change of `entry`'s password, checked against the current one (both
   * given, and different) by a bind as the user: `asUser` makes it, or takes the early one.
   */
  protected abstract changeEntryPassword(entry: Attrs, currentPassword: string, newPassword: string, beforeWrite: () => Promise<void>, early: EarlyBind | null): Promise<PasswordWriteResult>;
  /** The control a user's bind carries (OpenLDAP: the password policy control, whose answer tells locked from wrong). */
  protected abstract userBindControl(): Control | undefined;
  abstract unlock(user: DirectoryAccount): Promise<void>;
  protected abstract adminEntries(groupDn: string): Promise<Attrs[]>;
  /** R36: the filter for passwords that may expire in the window (by change time), or null when none can. */
  protected abstract expiringFilter(window: ExpiryWindow): Promise<string | null>;

  protected async search(
    base: string,
    filter: string | Filter,
    attributes: string[],
    options: { scope?: 'base' | 'one' | 'sub'; sizeLimit?: number; buffers?: string[] } = {},
    client?: Client,
  ): Promise<Attrs[]> {
    const run = async (c: Client) => {
      const { searchEntries } = await c.search(base, {
        scope: options.scope ?? 'sub',
        filter,
        attributes,
        sizeLimit: options.sizeLimit ?? 0,
        explicitBufferAttributes: options.buffers,
      });
      return searchEntries.map((e) => new Attrs(e));
    };
    return client ? run(client) : this.service.use(run);
  }

  protected get bufferAttributes(): string[] {
    return [];
  }

  /** The one entry this login names, or null (unknown, or more than one match: ambiguous). */
  protected async entryByLogin(login: string): Promise<Attrs | null> {
    const value = login.trim();
    if (!value || value.length > MAX_LOGIN) return null;
    const found = await this.search(this.settings.baseDn, and(this.userClass, this.loginFilter(value)), this.userAttributes, { sizeLimit: 2, buffers: this.bufferAttributes });
    return found.length === 1 ? found[0]! : null;
  }

  protected async entryById(id: string): Promise<Attrs | null> {
    const filter = this.idFilter(id);
    if (!filter) return null;
    const found = await this.search(this.settings.baseDn, filter, this.userAttributes, { sizeLimit: 2, buffers: this.bufferAttributes });
    if (found.length !== 1) this.seen.forget(id);
    return found.length === 1 ? found[0]! : null;
  }

  /** The admin group's DN, looked up once by name when given as a name. */
  protected adminGroup(): Promise<string | null> {
    const configured = this.settings.adminGroup ?? this.groupDefault;
    if (!configured) return Promise.resolve(null);
    if (looksLikeDn(configured)) return Promise.resolve(configured);
    this.adminGroupDn ??= this.groupDnByName(configured).then(
      (dn) => {
        // A group that does not exist yet is looked up again next time.
        if (dn === null) this.adminGroupDn = null;
        return dn;
      },
      (error: unknown) => {
        this.adminGroupDn = null;
        throw error;
      },
    );
    return this.adminGroupDn;
  }

  protected abstract readonly groupClass: string;

  private async groupDnByName(name: string): Promise<string | null> {
    const found = await this.search(this.settings.baseDn, and(this.groupClass, eq('cn', name)), ['1.1'], { sizeLimit: 2 });
    return found.length === 1 ? found[0]!.dn : null;
  }

  /** The account alone (no group search), remembered with its entry for a write in the same request. */
  protected async account(entry: Attrs): Promise<DirectoryAccount> {
    const account = await this.toAccount(entry);
    this.carried.set(account, { entry, at: performance.now() });
    this.seen.saw(entry.dn, account);
    return account;
  }

  protected async materialize(entry: Attrs): Promise<DirectoryUser> {
    return this.remember(entry, await this.userOf(entry));
  }

  /** The user `entry` makes, not yet remembered: a sign-in makes it while its bind is out, and keeps it only once the bind succeeds. */
  protected async userOf(entry: Attrs): Promise<UserOfEntry> {
    const [groups, adminDn, account] = await Promise.all([this.groupsOf(entry), this.adminGroup(), this.toAccount(entry)]);
    const isAdmin = adminDn !== null && groups.some((g) => normalizeDn(g.dn) === normalizeDn(adminDn));
    return { user: { ...account, isAdmin, groups: groups.map((g) => g.name) }, groups };
  }

  /** Carried for a write in the same request, and seen for the user's next change. */
  protected remember(entry: Attrs, { user, groups }: UserOfEntry): DirectoryUser {
    this.carried.set(user, { entry, at: performance.now(), groups });
    this.seen.saw(entry.dn, user);
    return user;
  }

  /** For a write: the entry `account` was made from when read moments ago and not yet written, else a fresh read. */
  protected async entryOf(account: DirectoryAccount, fresh = false): Promise<Attrs | null> {
    const carried = this.carried.get(account);
    const entry = carried?.entry;
    if (carried) carried.entry = null;
    if (entry && !fresh && performance.now() - carried.at < CARRY_MS) return entry;
    return this.entryById(account.id);
  }

  /** R15, R18a: what every directory refuses before asking itself, then the directory's own change. */
  async changePassword(user: DirectoryAccount, currentPassword: string, newPassword: string, beforeWrite: () => Promise<void> = async () => {}, early: EarlyPasswordCheck | null = null): Promise<PasswordWriteResult> {
    const ahead = early instanceof EarlyBind ? early : null;
    if (!ahead) early?.drop();
    const refused = (rule: 'currentPassword' | 'sameAsCurrent' | 'accountGone'): PasswordWriteResult => {
      ahead?.drop();
      return { ok: false, violations: [{ rule, message: m[rule] }] };
    };
    if (!currentPassword) return refused('currentPassword');
    if (currentPassword === newPassword) return refused('sameAsCurrent');
    const entry = await this.entryOf(user);
    if (!entry) return refused('accountGone');
    return this.changeEntryPassword(entry, currentPassword, newPassword, beforeWrite, ahead);
  }

  lastSeen(id: string): SeenAccount | null {
    return this.seen.get(id)?.account ?? null;
  }

  bindEarly(id: string, currentPassword: string, newPassword: string): EarlyBind | null {
    // An empty password would be an unauthenticated bind, which "succeeds" (RFC 4513 §5.1.2).
    if (!currentPassword || currentPassword === newPassword) return null;
    const seen = this.seen.get(id);
    return seen ? new EarlyBind(this.binder, seen.dn, currentPassword, this.userBindControl()) : null;
  }

  /**
   * `work` on a connection bound as the user of `entry` with `password`: the early bind's
   * when it went to this entry with this password, else one bound now. The bind's error is
   * passed to `work`, not thrown, with the control the bind carried.
   */
  protected asUser<T>(entry: Attrs, password: string, early: EarlyBind | null, work: BoundWork<T>): Promise<T> {
    const claimed = early?.claim(entry.dn, password, work);
    if (claimed) return claimed;
    early?.drop();
    const control = this.userBindControl();
    return this.binder.use((client) => bindThen(client, entry.dn, password, control, (bindError) => work(client, bindError, control)));
  }

  /**
   * A retry after a write that timed out but landed late: the directory calls the password
   * "used before" because it is already the current one. That is success for the user.
   */
  protected async landedLate(dn: string, password: string): Promise<boolean> {
    if (!this.uncertain.mayHaveSet(dn, password)) return false;
    try {
      await this.binder.use((c) => c.bind(dn, password));
    } catch (error) {
      if (isVerdict(error)) return false;
      throw error;
    }
    this.uncertain.forget(dn);
    return true;
  }

  /**
   * For an unknown login: one failed bind, so the answer takes the round trips a wrong
   * password for a real user takes (R13b). The DN names nobody, so nothing is counted.
   */
  protected async decoyBind(password: string): Promise<void> {
    try {
      await this.binder.use((c) => c.bind(`cn=sspr-no-such-user,${this.settings.baseDn}`, password));
    } catch (error) {
      if (!isVerdict(error)) throw error;
    }
  }

  async findUser(username: string): Promise<DirectoryUser | null> {
    const entry = await this.entryByLogin(username);
    return entry ? this.materialize(entry) : null;
  }

  async findUserById(id: string): Promise<DirectoryUser | null> {
    const entry = await this.entryById(id);
    return entry ? this.materialize(entry) : null;
  }

  async findAccountById(id: string): Promise<DirectoryAccount | null> {
    const entry = await this.entryById(id);
    return entry ? this.account(entry) : null;
  }

  /** R1 / R14: `group` is a name (cn) or a DN; AD counts nested membership. */
  async isMember(user: DirectoryUser, group: string): Promise<boolean> {
    if (!looksLikeDn(group)) {
      const key = group.normalize('NFKC').trim().toLowerCase();
      return user.groups.some((g) => g.normalize('NFKC').toLowerCase() === key);
    }
    const wanted = normalizeDn(group);
    // Groups read with the user in this request answer every scope group (R1, R14).
    const carried = this.carried.get(user);
    if (carried?.groups && performance.now() - carried.at < CARRY_MS) return carried.groups.some((g) => normalizeDn(g.dn) === wanted);
    const entry = await this.entryById(user.id);
    if (!entry) return false;
    return (await this.groupsOf(entry)).some((g) => normalizeDn(g.dn) === wanted);
  }

  async listAdmins(): Promise<DirectoryUser[]> {
    const dn = await this.adminGroup();
    if (!dn) return [];
    const users = await Promise.all((await this.adminEntries(dn)).map((e) => this.materialize(e)));
    return users.filter((u) => !u.disabled);
  }

  /**
   * R36: a paged search (RFC 2696) narrowed by change time, one page in memory at a time;
   * each entry's own expiry, lock and "must change" decide whether a reminder is due.
   */
  async forEachExpiring(window: ExpiryWindow, pageSize: number, onPage: (accounts: ExpiringAccount[]) => Promise<void>): Promise<void> {
    const filter = await this.expiringFilter(window);
    if (!filter) return;
    const attributes = [...this.userAttributes, 'preferredLanguage'];
    const options = { scope: 'sub' as const, filter: and(this.userClass, filter), attributes, explicitBufferAttributes: this.bufferAttributes, paged: { pageSize } };
    await this.service.scan(async (c) => {
      for await (const page of c.searchPaginated(this.settings.baseDn, options)) {
        const entries = page.searchEntries.map((e) => new Attrs(e));
        const users = await Promise.all(entries.map((e) => this.toAccount(e)));
        const accounts = users.flatMap((u, i): ExpiringAccount[] => {
          const at = u.password.expiresAt;
          const due = at !== null && !u.disabled && !u.password.neverExpires && !u.password.mustChange && at > window.from && at <= window.to;
          return due ? [{ id: u.id, username: u.username, displayName: u.displayName, email: u.email, expiresAt: at, locale: preferredLocale(entries[i]!.first('preferredLanguage')) }] : [];
        });
        if (accounts.length > 0) await onPage(accounts);
      }
    });
  }

  /**
   * R13b: the ids of every account under the base, by a paged search (RFC 2696) on one
   * connection; then each read as identify reads it (its groups too), one at a time, outside
   * that search, so a count never holds more than one of the pool's connections at once.
   */
  async forEachUser(pageSize: number, onPage: (users: DirectoryUser[]) => Promise<void>): Promise<void> {
    const ids: string[] = [];
    const options = { scope: 'sub' as const, filter: this.userClass, attributes: [this.idAttribute], explicitBufferAttributes: this.bufferAttributes, paged: { pageSize } };
    await this.service.scan(async (c) => {
      for await (const page of c.searchPaginated(this.settings.baseDn, options)) {
        for (const e of page.searchEntries) {
          const id = this.idOf(new Attrs(e));
          if (id) ids.push(id);
        }
      }
    });
    for (let i = 0; i < ids.length; i += pageSize) {
      const users: DirectoryUser[] = [];
      for (const id of ids.slice(i, i + pageSize)) {
        const user = await this.findUserById(id);
        if (user) users.push(user);
      }
      if (users.length) await onPage(users);
    }
  }

  async ping(): Promise<void> {
    await this.search(this.settings.baseDn, '(objectClass=*)', ['1.1'], { scope: 'base' });
  }

  async close(): Promise<void> {
    await Promise.all([this.service.close(), this.binder.close()]);
  }

  protected groupRef(g: Attrs): GroupRef {
    return { dn: g.dn, name: g.first('cn') ?? firstRdnValue(g.dn) };
  }

  protected sortedGroups(groups: GroupRef[]): GroupRef[] {
    return groups.sort((a, b) => a.name.localeCompare(b.name));
  }
}
