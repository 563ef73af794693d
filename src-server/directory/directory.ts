import type { Transaction } from 'kysely';
import type { Locale } from '../../shared/api/common.js';
import type { Violation } from '../../shared/api/errors.js';
import type { Database } from '../store/schema.js';

/**
 * A directory account without its group membership: what a flow that needs neither scope
 * nor the administrator flag reads (on LDAP, one search). `id` is the directory's stable id
 * (built-in: the row id; LDAP: entryUUID / objectGUID) so registration data survives renames.
 */
export interface DirectoryAccount {
  id: string;
  username: string;
  displayName: string;
  /** The account's own mail (R3: a reset email must go to another address). */
  email: string | null;
  disabled: boolean;
  /** Locked in the directory (too many wrong sign-ins). */
  locked: boolean;
  /**
   * When the directory last recorded a wrong password for the account (OpenLDAP
   * `pwdFailureTime`, AD `badPasswordTime`, built-in: its own), null when it records none:
   * after a reset, the devices that still hold the old password show up here.
   */
  lastFailedSignInAt: Date | null;
  /** Contact data the directory holds, counted as registered methods (R4). */
  contact: { mobilePhone: string | null; officePhone: string | null; alternateEmail: string | null };
  password: {
    lastChangedAt: Date | null;
    neverExpires: boolean;
    mustChange: boolean;
    /** Set when the directory computes expiry itself (AD). */
    expiresAt: Date | null;
  };
}

/**
 * What a signed-in change needs of an account before its own look-up answers (issue 12):
 * the names the product policy reads (R18b), where its notices go (R22) and when the
 * password last changed (its write intent's `changedBefore`). Only ever a hint: the change
 * uses what it prepared from it when the look-up reads the same (`sameSeen`).
 */
export interface SeenAccount {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  contact: { alternateEmail: string | null };
  password: { lastChangedAt: Date | null };
}

/** The `SeenAccount` part of an account, copied. */
export function seenAccountOf(account: SeenAccount): SeenAccount {
  return {
    id: account.id,
    username: account.username,
    displayName: account.displayName,
    email: account.email,
    contact: { alternateEmail: account.contact.alternateEmail },
    password: { lastChangedAt: account.password.lastChangedAt },
  };
}

/** True when both read the same of everything a `SeenAccount` holds. */
export function sameSeen(a: SeenAccount, b: SeenAccount): boolean {
  return (
    a.id === b.id &&
    a.username === b.username &&
    a.displayName === b.displayName &&
    a.email === b.email &&
    a.contact.alternateEmail === b.contact.alternateEmail &&
    (a.password.lastChangedAt?.getTime() ?? null) === (b.password.lastChangedAt?.getTime() ?? null)
  );
}

/** An account with its group membership (scope, R1/R14; administrators, R10). */
export interface DirectoryUser extends DirectoryAccount {
  isAdmin: boolean;
  groups: string[];
}

/** The outcome of a password write: ok, or the directory's own refusal (R18a, R18b). */
export type PasswordWriteResult = { ok: true; changedAt: Date } | { ok: false; violations: Violation[] };

export type VerifyResult =
  | { ok: true; user: DirectoryUser }
  | { ok: false; reason: 'invalid' | 'locked' | 'disabled' | 'expired'; user?: DirectoryUser };

/** R36: an account whose password is about to expire, with what a reminder email needs. */
export interface ExpiringAccount {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  expiresAt: Date;
  /** The user's language where the directory records it (LDAP/AD `preferredLanguage`), else null. */
  locale: Locale | null;
}

/**
 * R36: the window to look in. `maxAgeDays` is the product policy's, used only by a directory
 * that leaves expiry to the product (the built-in one); LDAP and AD apply their own.
 */
export interface ExpiryWindow {
  from: Date;
  to: Date;
  maxAgeDays: number;
}

/** A change's bind sent ahead (`Directory.bindEarly`): passed to `changePassword`, else dropped. */
export interface EarlyPasswordCheck {
  /** Gives its connection back unused; a no-op once the change used it. */
  drop(): void;
}

/** Thrown when the directory cannot be reached; the HTTP layer answers `directory_unavailable`. */
export class DirectoryUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DirectoryUnavailableError';
  }
}

/**
 * What every directory (built-in, OpenLDAP, Active Directory) offers the flows.
 * Implementations never throw for "not found": they return null.
 */
export interface Directory {
  readonly kind: 'builtin' | 'openldap' | 'activedirectory';
  /** By user name (or, for LDAP, uid / sAMAccountName / userPrincipalName / mail). */
  findUser(username: string): Promise<DirectoryUser | null>;
  findUserById(id: string): Promise<DirectoryUser | null>;
  /** The account alone, without reading its groups. */
  findAccountById(id: string): Promise<DirectoryAccount | null>;
  /** Direct or (AD) nested membership. */
  isMember(user: DirectoryUser, group: string): Promise<boolean>;
  /** Sign-in: checks the password as the directory would at a real sign-in. */
  verifyPassword(username: string, password: string): Promise<VerifyResult>;
  /** Reset by the service (after SSPR verification); optionally unlock (R18c). */
  resetPassword(user: DirectoryAccount, newPassword: string, options: { unlock: boolean; mustChange?: boolean }): Promise<PasswordWriteResult>;
  /**
   * Only a directory kept in the server's own store: the write and `complete` (the reset's
   * completion) commit in one transaction, so a crash leaves both or neither.
   */
  resetPasswordWith?(
    user: DirectoryAccount,
    newPassword: string,
    options: { unlock: boolean; mustChange?: boolean },
    complete: (trx: Transaction<Database>, changedAt: Date) => Promise<void>,
  ): Promise<PasswordWriteResult>;
  /**
   * Change by the user (current + new), as the user. The current password is checked as a
   * sign-in checks it (a wrong one counts towards the lockout); refusals name the rule
   * `currentPassword`, `accountLocked` or `accountDisabled` when the check fails.
   * `beforeWrite`, when given, is awaited once the current password is confirmed and before
   * anything is written (the caller's intent commits meanwhile); if it throws, nothing is written.
   */
  changePassword(user: DirectoryAccount, currentPassword: string, newPassword: string, beforeWrite?: () => Promise<void>, early?: EarlyPasswordCheck | null): Promise<PasswordWriteResult>;
  /**
   * LDAP: the account as it was last read lately, or null. A change whose new password
   * passes the product policy with its names may send its check of the current password
   * ahead (`bindEarly`) and record its write intent while its own look-up is out.
   */
  lastSeen?(id: string): SeenAccount | null;
  /**
   * LDAP: sends a change's check of the current password (the user's bind) now, to where the
   * account was last read, so it overlaps the change's look-up (issue 12). `changePassword`
   * uses it when the look-up finds the account still there; the caller drops it otherwise.
   * Null when the account was not read lately, or when the change is refused before any
   * bind (no current password, or the same password twice).
   */
  bindEarly?(id: string, currentPassword: string, newPassword: string): EarlyPasswordCheck | null;
  /** `changePassword` with the completion in the write's transaction (only the built-in directory). */
  changePasswordWith?(user: DirectoryAccount, currentPassword: string, newPassword: string, complete: (trx: Transaction<Database>, changedAt: Date) => Promise<void>): Promise<PasswordWriteResult>;
  unlock(user: DirectoryUser): Promise<void>;
  /**
   * R36: enabled accounts whose password expires in (from, to], handed to `onPage` a page of
   * at most `pageSize` at a time, so the directory is never read into memory whole.
   */
  forEachExpiring(window: ExpiryWindow, pageSize: number, onPage: (accounts: ExpiringAccount[]) => Promise<void>): Promise<void>;
  /**
   * R13b: every account, handed to `onPage` a page of at most `pageSize` at a time, each read
   * as identify reads it (the decoy population is counted over them).
   */
  forEachUser(pageSize: number, onPage: (users: DirectoryUser[]) => Promise<void>): Promise<void>;
  /** Administrators, for R22's "tell every other administrator". */
  listAdmins(): Promise<DirectoryUser[]>;
  /** `/readyz`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The account name inside a typed login: `EXAMPLE\alice`, `alice@example.org` → `alice`,
 * case-folded. An unknown name is throttled and given decoys under it, and an alias the
 * directory does not resolve is locked with the account its canonical name resolves to, so
 * no alias answers differently for a real account than for an unknown one (R11, R13b).
 */
export function canonicalLogin(login: string): string {
  const value = login.normalize('NFKC').trim().toLowerCase();
  const name = value.includes('\\') ? value.slice(value.lastIndexOf('\\') + 1) : value;
  const at = name.lastIndexOf('@');
  return at > 0 ? name.slice(0, at) : name;
}
