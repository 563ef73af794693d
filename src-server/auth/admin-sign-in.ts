import type { AdminTokenResponse } from '../../shared/api/auth.js';
import type { MethodType } from '../../shared/api/common.js';
import type { CreateResetSessionResponse } from '../../shared/api/reset.js';
import type { DirectoryUser } from '../directory/directory.js';
import { SESSION_TTL_MS, sessionIsActive, type OfferedMethod } from '../flows/reset-flow.js';
import { ApiError } from '../http/problem.js';
import type { MethodData } from '../methods/method-store.js';
import { effectiveRequirement, usableMethods } from '../methods/registration-status.js';
import { hashToken, newId, newToken } from '../security/tokens.js';
import type { Services } from '../services.js';
import { retryAfterSeconds } from '../throttle/rules.js';
import { ThrottleStore } from '../throttle/throttle-store.js';
import { adminSignInThrottleKey } from '../throttle/keys.js';
import { AccessTokens } from './access-tokens.js';

const refused = () => new ApiError('unauthorized', 'The user name or password is not correct, or the account is not an administrator.');
const sessionExpired = () => new ApiError('session_expired', 'This sign-in session has ended. Start again.');

/** Directory contact data a session carries sealed, as the reset flow reads it back. */
function contactData(user: DirectoryUser, ref: string): MethodData[MethodType] | null {
  const c = user.contact;
  if (ref === 'dir-mobilePhone') return c.mobilePhone ? { number: c.mobilePhone } : null;
  if (ref === 'dir-officePhone') return c.officePhone ? { number: c.officePhone } : null;
  if (ref === 'dir-email') return c.alternateEmail ? { address: c.alternateEmail } : null;
  return null;
}

/**
 * The administrator sign-in (R10, R17a): the administrator's own password, then two methods
 * of different types (never security questions) proven through the reset flow's challenge
 * and verify endpoints (same throttling, same audit), then an `admin` token. The session is
 * a reset session marked in `admin_sign_in_sessions`: it can never set a password, and an
 * ordinary reset session can never become an admin token.
 */
export class AdminSignIn {
  private readonly tokens: AccessTokens;
  private readonly throttle: ThrottleStore;

  constructor(private readonly s: Services) {
    this.tokens = new AccessTokens(s.db, s.clock, s.codeKey);
    this.throttle = new ThrottleStore(s.clock);
  }

  async start(username: string, password: string, client: string): Promise<CreateResetSessionResponse> {
    const s = this.s;
    const result = await s.directory.verifyPassword(username, password);
    // Wrong password, not an administrator, disabled, locked or expired: one answer for all.
    if (!result.ok || !result.user.isAdmin) {
      const reason = !result.ok ? result.reason : 'notAdministrator';
      await s.audit.write(s.db, { type: 'admin.signin', user: result.user?.username ?? username, result: 'failure', client, detail: { reason } });
      throw refused();
    }
    const user = result.user;
    const policy = await s.policy.get();
    const requirement = effectiveRequirement(user, policy);
    const usable = usableMethods(user, await s.methods.list(user.id), policy);
    if (new Set(usable.map((m) => m.type)).size < requirement.required) {
      await s.audit.write(s.db, { type: 'admin.signin', user: user.username, result: 'denied', client, detail: { reason: 'noMethods' } });
      throw new ApiError('forbidden', `Administrator sign-in needs ${requirement.required} registered methods of different types (security questions do not count).`);
    }
    const id = newId();
    const offered: OfferedMethod[] = usable.map((m) => {
      const contact = contactData(user, m.id);
      return { id: newId(), type: m.type, hint: m.hint, ref: m.id, ...(contact ? { sealed: s.box.sealJson(contact) } : {}) };
    });
    const throttleKey = adminSignInThrottleKey(user.id);
    const token = newToken('rs');
    const now = s.clock.now().getTime();
    const lock = await s.db.transaction().execute(async (trx) => {
      const lock = await this.throttle.activeLock(trx, throttleKey);
      if (lock) {
        await s.audit.write(trx, { type: 'admin.signin', user: user.username, result: 'locked', client });
        return lock;
      }
      await trx.insertInto('reset_sessions').values({
        id,
        token_hash: hashToken(token),
        subject_id: user.id,
        throttle_key: throttleKey,
        username: user.username,
        decoy: 0,
        state: 'verifying',
        required_methods: requirement.required,
        gates_passed: 0,
        passed_method_ids: '[]',
        offered: JSON.stringify(offered),
        client,
        created_at: now,
        expires_at: now + SESSION_TTL_MS,
        completed_at: null,
      }).execute();
      await trx.insertInto('admin_sign_in_sessions').values({ session_id: id, created_at: now }).execute();
      return null;
    });
    if (lock) {
      throw new ApiError('locked_out', 'Too many attempts: verification is locked for this account for now. Try again later.', { retryAfterSeconds: retryAfterSeconds(lock.until, now) });
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
    const row = await this.s.db
      .selectFrom('reset_sessions')
      .innerJoin('admin_sign_in_sessions', 'admin_sign_in_sessions.session_id', 'reset_sessions.id')
      .select('reset_sessions.id')
      .where('reset_sessions.token_hash', '=', hashToken(token))
      .executeTakeFirst();
    return row !== undefined;
  }

  async issueToken(token: string, client: string): Promise<AdminTokenResponse> {
    const s = this.s;
    const row = await s.db
      .selectFrom('reset_sessions')
      .innerJoin('admin_sign_in_sessions', 'admin_sign_in_sessions.session_id', 'reset_sessions.id')
      .selectAll('reset_sessions')
      .where('reset_sessions.token_hash', '=', hashToken(token))
      .executeTakeFirst();
    const now = s.clock.now().getTime();
    // A reset session (no mark) is as good as no session here.
    if (!row || !row.subject_id || !sessionIsActive(row, now)) throw sessionExpired();
    if (row.gates_passed < row.required_methods) {
      throw new ApiError('gates_incomplete', `Verify ${row.required_methods - row.gates_passed} more method(s) first.`);
    }
    const user = await s.directory.findUserById(row.subject_id);
    // Demoted or disabled since the password was checked.
    if (!user || !user.isAdmin || user.disabled) {
      await s.audit.write(s.db, { type: 'admin.signin', user: row.username, result: 'denied', client, detail: { reason: 'notAdministrator' } });
      throw refused();
    }
    const issued = await s.db.transaction().execute(async (trx) => {
      // One token per session: a second exchange finds the session completed.
      const claimed = await trx.updateTable('reset_sessions').set({ state: 'completed', completed_at: now }).where('id', '=', row.id).where('state', '=', 'ready').executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return null;
      await s.audit.write(trx, { type: 'admin.signin', user: user.username, actor: user.username, result: 'success', client });
      return this.tokens.issue('admin', user, trx);
    });
    if (!issued) throw sessionExpired();
    return {
      adminToken: issued.token,
      expiresAt: issued.expiresAt.toISOString(),
      user: { username: user.username, displayName: user.displayName, isAdmin: user.isAdmin },
    };
  }
}
