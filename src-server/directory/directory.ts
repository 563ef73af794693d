import type { Transaction } from 'kysely';
import type { Violation } from '../../shared/api/errors.js';
import type { Database } from '../store/schema.js';

/**
 * A directory account as the flows need it. `id` is the directory's stable id (built-in:
 * the row id; LDAP: entryUUID / objectGUID) so registration data survives renames.
 */
export interface DirectoryUser {
  id: string;
  username: string;
  displayName: string;
  /** The account's own mail (R3: a reset email must go to another address). */
  email: string | null;
  isAdmin: boolean;
  disabled: boolean;
  /** Locked in the directory (too many wrong sign-ins). */
  locked: boolean;
  groups: string[];
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

/** The outcome of a password write: ok, or the directory's own refusal (R18a, R18b). */
export type PasswordWriteResult = { ok: true; changedAt: Date } | { ok: false; violations: Violation[] };

export type VerifyResult =
  | { ok: true; user: DirectoryUser }
  | { ok: false; reason: 'invalid' | 'locked' | 'disabled' | 'expired'; user?: DirectoryUser };

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
  /** Direct or (AD) nested membership. */
  isMember(user: DirectoryUser, group: string): Promise<boolean>;
  /** Sign-in: checks the password as the directory would at a real sign-in. */
  verifyPassword(username: string, password: string): Promise<VerifyResult>;
  /** Reset by the service (after SSPR verification); optionally unlock (R18c). */
  resetPassword(user: DirectoryUser, newPassword: string, options: { unlock: boolean; mustChange?: boolean }): Promise<PasswordWriteResult>;
  /**
   * Only a directory kept in the server's own store: the write and `complete` (the reset's
   * completion) commit in one transaction, so a crash leaves both or neither.
   */
  resetPasswordWith?(
    user: DirectoryUser,
    newPassword: string,
    options: { unlock: boolean },
    complete: (trx: Transaction<Database>, changedAt: Date) => Promise<void>,
  ): Promise<PasswordWriteResult>;
  /** Change by the user (current + new), as the user. */
  changePassword(user: DirectoryUser, currentPassword: string, newPassword: string): Promise<PasswordWriteResult>;
  unlock(user: DirectoryUser): Promise<void>;
  /** Administrators, for R22's "tell every other administrator". */
  listAdmins(): Promise<DirectoryUser[]>;
  /** `/readyz`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
