import type { TokenResponse } from '../../shared/api/auth.js';
import { passwordExpiry } from '../../shared/rules/expiry.js';
import type { DirectoryUser, Directory } from '../directory/directory.js';
import { ProblemError } from '../errors.js';
import type { AccessTokens } from './access-tokens.js';
import type { RefreshTokens } from './refresh-tokens.js';
import { revokeUserSessions } from '../store/revocation.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Transaction } from 'kysely';
import type { Db } from '../store/db.js';
import type { Database } from '../store/schema.js';
import type { PolicyStore } from '../store/policy-store.js';

export interface SignInDependencies {
  auditLog: AuditLog;
  clock: Clock;
  db: Db;
  accessTokens: AccessTokens;
  refreshTokens: RefreshTokens;
  directory: Directory;
  policyStore: PolicyStore;
}

export const RESET_HINT = 'Reset your password yourself with "Forgot password" to unlock the account, or contact your administrator.';

/** The sign-in, refresh and sign-out flows of the signed-in companion app. */
export class SignInFlow {
  constructor(private readonly deps: SignInDependencies) {}

  private async mustChange(user: DirectoryUser): Promise<boolean> {
    const policy = await this.deps.policyStore.get();
    const p = user.password;
    return passwordExpiry({ lastChangedAt: p.lastChangedAt, neverExpires: p.neverExpires, mustChange: p.mustChange, directoryExpiresAt: p.expiresAt }, policy.password, this.deps.clock.now()).mustChange;
  }

  /** R15: an expired (or must-change) password gets a token good only for `POST /me/password`. */
  private async passwordExpired(user: DirectoryUser): Promise<ProblemError> {
    const change = await this.deps.accessTokens.issue('change', user);
    return new ProblemError('password_expired', 'Your password has expired. Choose a new one to continue.', { changeToken: change.token });
  }

  private async tokens(user: DirectoryUser, refresh: { token: string; family: string }, conn?: Db | Transaction<Database>): Promise<TokenResponse> {
    const access = await this.deps.accessTokens.issue('access', user, conn, refresh.family);
    const refreshToken = refresh.token;
    return {
      accessToken: access.token,
      accessExpiresAt: access.expiresAt.toISOString(),
      refreshToken,
      user: { username: user.username, displayName: user.displayName, isAdmin: user.isAdmin },
    };
  }

  async signIn(username: string, password: string, client: string): Promise<TokenResponse> {
    const deps = this.deps;
    const result = await deps.directory.verifyPassword(username, password);
    const audit = (user: string, result: 'success' | 'failure' | 'denied' | 'locked', reason?: string) =>
      deps.auditLog.write(deps.db, { type: 'auth.signin', user, result, client, detail: reason ? { reason } : null });
    if (!result.ok) {
      // The directory tells account state only to someone who knew the password (no enumeration).
      switch (result.reason) {
        case 'invalid':
          await audit(username, 'failure', 'invalidCredentials');
          throw new ProblemError('unauthorized', 'The user name or password is not correct.');
        case 'locked':
          await audit(result.user?.username ?? username, 'locked', 'directoryLocked');
          throw new ProblemError('locked_out', `The account is locked after too many wrong passwords. ${RESET_HINT}`);
        case 'disabled':
          await audit(result.user?.username ?? username, 'denied', 'disabled');
          throw new ProblemError('forbidden', 'The account is disabled. Contact your administrator.');
        case 'expired': {
          const user = result.user ?? (await deps.directory.findUser(username));
          await audit(user?.username ?? username, 'denied', 'passwordExpired');
          if (!user) throw new ProblemError('unauthorized', 'The user name or password is not correct.');
          throw await this.passwordExpired(user);
        }
      }
    }
    const user = result.user;
    if (await this.mustChange(user)) {
      await audit(user.username, 'denied', 'passwordExpired');
      throw await this.passwordExpired(user);
    }
    // One unit: the event, the refresh token and the access token's version read.
    return deps.db.transaction().execute(async (trx) => {
      await deps.auditLog.write(trx, { type: 'auth.signin', user: user.username, result: 'success', client });
      return this.tokens(user, await this.deps.refreshTokens.issue(trx, user.id, client), trx);
    });
  }

  async refreshSession(refreshToken: string, client: string): Promise<TokenResponse> {
    const deps = this.deps;
    const rotated = await this.deps.refreshTokens.rotate(refreshToken, client);
    if (!rotated.ok) {
      if (rotated.reason === 'reused' && rotated.subjectId) {
        const owner = await deps.directory.findUserById(rotated.subjectId);
        await deps.auditLog.write(deps.db, { type: 'auth.signin', user: owner?.username ?? null, result: 'denied', client, detail: { reason: 'refreshTokenReuse' } });
      }
      throw new ProblemError('unauthorized', 'The refresh token is not valid. Sign in again.');
    }
    const user = await deps.directory.findUserById(rotated.subjectId);
    if (!user || user.disabled) {
      await this.deps.refreshTokens.revokeFamily(deps.db, rotated.family);
      throw new ProblemError('unauthorized', 'The refresh token is not valid. Sign in again.');
    }
    if (await this.mustChange(user)) {
      // After the change every refresh token is revoked anyway; sign-in starts a new family.
      await this.deps.refreshTokens.revokeFamily(deps.db, rotated.family);
      throw await this.passwordExpired(user);
    }
    return this.tokens(user, rotated);
  }

  /**
   * With a refresh token: ends that sign-in (its family). Without: ends every session of the
   * user, access tokens included ("sign out everywhere").
   */
  async signOut(subjectId: string, refreshToken: string | undefined): Promise<void> {
    if (refreshToken) {
      await this.deps.refreshTokens.revokeFamilyOf(refreshToken, subjectId);
      return;
    }
    await revokeUserSessions(this.deps.db, this.deps.clock, subjectId);
  }
}
