import type { AdminTokenResponse } from '../../shared/api/auth.js';
import type { CreateResetSessionResponse } from '../../shared/api/reset.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { Directory } from '../directory/directory.js';
import { ProblemError } from '../errors.js';
import { directoryContact, SESSION_TTL_MS, sessionIsActive } from '../flows/reset-rules.js';
import type { MethodStore } from '../store/method-store.js';
import { effectiveRequirement, usableMethods } from '../methods/registration-status.js';
import type { PolicyStore } from '../store/policy-store.js';
import type { SecretBox } from '../security/secret-box.js';
import { hashToken, newId, newToken } from '../security/tokens.js';
import type { Db } from '../store/db.js';
import type { OfferedMethod, ResetSessionStore } from '../store/reset-session-store.js';
import { retryAfterSeconds } from '../throttle/rules.js';
import type { ThrottleStore } from '../store/throttle-store.js';
import { adminSignInThrottleKey } from '../throttle/keys.js';
import type { AccessTokens } from './access-tokens.js';

const refused = () => new ProblemError('unauthorized', 'The user name or password is not correct, or the account is not an administrator.');
const sessionExpired = () => new ProblemError('session_expired', 'This sign-in session has ended. Start again.');

export interface AdminSignInDependencies {
  db: Db;
  clock: Clock;
  directory: Directory;
  policyStore: PolicyStore;
  methodStore: MethodStore;
  resetSessions: ResetSessionStore;
  throttles: ThrottleStore;
  accessTokens: AccessTokens;
  auditLog: AuditLog;
  secretBox: SecretBox;
}

/**
 * The administrator sign-in (R10, R17a): the administrator's own password, then two methods
 * of different types (never security questions) proven through the reset flow's challenge
 * and verify endpoints (same throttling, same audit), then an `admin` token. The session is
 * a reset session marked in `admin_sign_in_sessions`: it can never set a password, and an
 * ordinary reset session can never become an admin token.
 */
export class AdminSignIn {
  constructor(private readonly deps: AdminSignInDependencies) {}

  async start(username: string, password: string, client: string): Promise<CreateResetSessionResponse> {
    const { db, clock, directory, policyStore, methodStore, resetSessions, throttles, auditLog, secretBox } = this.deps;
    const result = await directory.verifyPassword(username, password);
    // Wrong password, not an administrator, disabled, locked or expired: one answer for all.
    if (!result.ok || !result.user.isAdmin) {
      const reason = !result.ok ? result.reason : 'notAdministrator';
      await auditLog.write(db, { type: 'admin.signin', user: result.user?.username ?? username, result: 'failure', client, detail: { reason } });
      throw refused();
    }
    const user = result.user;
    const policy = await policyStore.get();
    const requirement = effectiveRequirement(user, policy);
    const usable = usableMethods(user, await methodStore.list(user.id), policy);
    if (new Set(usable.map((m) => m.type)).size < requirement.required) {
      await auditLog.write(db, { type: 'admin.signin', user: user.username, result: 'denied', client, detail: { reason: 'noMethods' } });
      throw new ProblemError('forbidden', `Administrator sign-in needs ${requirement.required} registered methods of different types (security questions do not count).`);
    }
    const id = newId();
    const offered: OfferedMethod[] = usable.map((m) => {
      const contact = directoryContact(user, m.id);
      return { id: newId(), type: m.type, hint: m.hint, ref: m.id, ...(contact ? { sealed: secretBox.sealJson(contact) } : {}) };
    });
    const throttleKey = adminSignInThrottleKey(user.id);
    const token = newToken('rs');
    const now = clock.now().getTime();
    const lock = await db.transaction().execute(async (trx) => {
      const lock = await throttles.activeLock(trx, throttleKey);
      if (lock) {
        await auditLog.write(trx, { type: 'admin.signin', user: user.username, result: 'locked', client });
        return lock;
      }
      const session = { id, subjectId: user.id, throttleKey, username: user.username, decoy: false, status: 'verifying' as const, requiredMethods: requirement.required };
      await resetSessions.create(trx, { ...session, tokenHash: hashToken(token), gatesPassed: 0, passedMethodIds: [], offered, client, createdAt: now, expiresAt: now + SESSION_TTL_MS }, { adminSignIn: true });
      return null;
    });
    if (lock) {
      throw new ProblemError('locked_out', 'Too many attempts: verification is locked for this account for now. Try again later.', { retryAfterSeconds: retryAfterSeconds(lock.until, now) });
    }
    return {
      sessionToken: token,
      expiresAt: new Date(now + SESSION_TTL_MS).toISOString(),
      requiredMethods: requirement.required,
      methods: offered.map(({ id: methodId, type, hint }) => ({ id: methodId, type, hint })),
    };
  }

  /** True when the session behind `token` is an administrator sign-in (it must never set a password). */
  async isAdminSession(token: string): Promise<boolean> {
    return (await this.deps.resetSessions.adminSignInByTokenHash(hashToken(token))) !== null;
  }

  async issueToken(token: string, client: string): Promise<AdminTokenResponse> {
    const { db, clock, directory, resetSessions, auditLog } = this.deps;
    const row = await resetSessions.adminSignInByTokenHash(hashToken(token));
    const now = clock.now().getTime();
    // A reset session (no mark) is as good as no session here.
    if (!row || !row.subjectId || !sessionIsActive(row, now)) throw sessionExpired();
    if (row.gatesPassed < row.requiredMethods) {
      throw new ProblemError('gates_incomplete', `Verify ${row.requiredMethods - row.gatesPassed} more method(s) first.`);
    }
    const user = await directory.findUserById(row.subjectId);
    // Demoted or disabled since the password was checked.
    if (!user || !user.isAdmin || user.disabled) {
      await auditLog.write(db, { type: 'admin.signin', user: row.username, result: 'denied', client, detail: { reason: 'notAdministrator' } });
      throw refused();
    }
    const issued = await db.transaction().execute(async (trx) => {
      // One token per session: a second exchange finds the session completed.
      if (!(await resetSessions.moveStatus(trx, row.id, ['ready'], 'completed', { completedAt: now }))) return null;
      await auditLog.write(trx, { type: 'admin.signin', user: user.username, actor: user.username, result: 'success', client });
      return this.deps.accessTokens.issue('admin', user, trx);
    });
    if (!issued) throw sessionExpired();
    return {
      adminToken: issued.token,
      expiresAt: issued.expiresAt.toISOString(),
      user: { username: user.username, displayName: user.displayName, isAdmin: user.isAdmin },
    };
  }
}
