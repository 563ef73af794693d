import { Attribute, Change, InsufficientAccessError, InvalidCredentialsError, NoSuchAttributeError, type Client, type ResultCodeError } from 'ldapts';
import { PASSWORD_MESSAGES } from '../../../shared/i18n/messages.js';
import { DirectoryUnavailableError, type DirectoryAccount, type ExpiryWindow, type PasswordWriteResult, type VerifyResult } from '../directory.js';
import { nextTurn } from '../../event-loop.js';
import { isVerdict } from './connection.js';
import { PASSWORD_MODIFY_OID, PasswordPolicyControl, passwordModifyValue, type PpolicyError } from './controls.js';
import type { EarlyBind } from './early-bind.js';
import { and, eq, or } from './escape.js';
import { holdWrite, LdapDirectory, type GroupRef, type LdapContext, type NotWritten } from './ldap-directory.js';
import { ADMIN_LOCK, parsePolicy, PPOLICY_ATTRIBUTES, ppolicyViolations, type PasswordPolicy } from './ppolicy.js';
import { Attrs, firstRdnValue, isUuid, latest, parseGeneralizedTime, toE164 } from './values.js';

const m = PASSWORD_MESSAGES.en;

/**
 * OpenLDAP with the ppolicy overlay. Resets are written by the service account (which must
 * not have `manage` on userPassword, or ppolicy would not apply); users change their own
 * password with the Password Modify extended operation bound as themselves. Every write
 * carries the ppolicy request control so the overlay's exact refusal reaches the user.
 */
export class OpenLdapDirectory extends LdapDirectory {
  readonly kind = 'openldap' as const;
  protected readonly userClass = '(|(objectClass=person)(objectClass=posixAccount))';
  protected readonly groupClass = '(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))';
  protected readonly groupDefault = undefined;
  protected readonly userAttributes: string[];
  private readonly policies = new Map<string, { policy: PasswordPolicy | null; at: number }>();
  private defaultPolicyDn: Promise<string | null> | null = null;

  constructor(ctx: LdapContext) {
    super(ctx);
    this.userAttributes = [
      'uid', 'cn', 'displayName', 'mail', 'mobile', 'telephoneNumber', ctx.settings.alternateEmailAttribute,
      'entryUUID', 'pwdChangedTime', 'pwdAccountLockedTime', 'pwdReset', 'pwdPolicySubentry', 'pwdFailureTime',
      ...(ctx.settings.groupsFrom === 'memberOf' ? ['memberOf'] : []),
    ];
  }

  protected loginFilter(login: string): string {
    return or(eq('uid', login), eq('mail', login));
  }

  protected readonly idAttribute = 'entryUUID';
  protected idOf(entry: Attrs): string | null {
    return entry.first('entryUUID') ?? null;
  }

  protected idFilter(id: string): string | null {
    return isUuid(id) ? and(this.userClass, eq('entryUUID', id)) : null;
  }

  protected async groupsOf(user: Attrs): Promise<GroupRef[]> {
    if (this.settings.groupsFrom === 'memberOf') return this.sortedGroups(user.all('memberOf').map((dn) => ({ dn, name: firstRdnValue(dn) })));
    const uid = user.first('uid');
    const found = await this.search(
      this.settings.baseDn,
      or(
        and('(objectClass=groupOfNames)', eq('member', user.dn)),
        and('(objectClass=groupOfUniqueNames)', eq('uniqueMember', user.dn)),
        ...(uid ? [and('(objectClass=posixGroup)', eq('memberUid', uid))] : []),
      ),
      ['cn'],
    );
    return this.sortedGroups(found.map((g) => this.groupRef(g)));
  }

  protected async adminEntries(groupDn: string): Promise<Attrs[]> {
    const [group] = await this.search(groupDn, '(objectClass=*)', ['member', 'uniqueMember', 'memberUid'], { scope: 'base' });
    if (!group) return [];
    const byDn = [...group.all('member'), ...group.all('uniqueMember')];
    const entries = await Promise.all(byDn.map((dn) => this.search(dn, this.userClass, this.userAttributes, { scope: 'base' }).catch(() => [])));
    const uids = group.all('memberUid');
    const byUid = uids.length ? await this.search(this.settings.baseDn, and(this.userClass, or(...uids.map((u) => eq('uid', u)))), this.userAttributes) : [];
    return [...entries.flat(), ...byUid];
  }

  // ---- password policy entries ----

  /** The policy that governs this entry: its own pwdPolicySubentry, else the default. */
  private async policyFor(entry: Attrs): Promise<PasswordPolicy | null> {
    const dn = entry.first('pwdPolicySubentry') ?? (await this.findDefaultPolicy());
    return dn ? this.policyAt(dn) : null;
  }

  private async policyAt(dn: string): Promise<PasswordPolicy | null> {
    const cached = this.policies.get(dn);
    const now = performance.now();
    if (cached && now - cached.at < this.settings.policyCacheMs) return cached.policy;
    const [found] = await this.search(dn, '(objectClass=pwdPolicy)', PPOLICY_ATTRIBUTES, { scope: 'base' }).catch((e: unknown) => {
      if (isVerdict(e)) return [];
      throw e;
    });
    const policy = found ? parsePolicy(found) : null;
    this.policies.set(dn, { policy, at: now });
    return policy;
  }

  /** SSPR_LDAP_PPOLICY_DN, else the one pwdPolicy entry (or the one named `default`) in the naming context. */
  private findDefaultPolicy(): Promise<string | null> {
    if (this.settings.ppolicyDn) return Promise.resolve(this.settings.ppolicyDn);
    this.defaultPolicyDn ??= (async () => {
      const base = this.namingContext();
      const found = await this.search(base, '(objectClass=pwdPolicy)', ['cn'], { sizeLimit: 20 });
      if (found.length === 1) return found[0]!.dn;
      return found.find((p) => p.first('cn')?.toLowerCase() === 'default')?.dn ?? null;
    })().catch((error: unknown) => {
      this.defaultPolicyDn = null;
      throw error;
    });
    return this.defaultPolicyDn;
  }

  private namingContext(): string {
    const base = this.settings.baseDn.toLowerCase();
    const suffix = this.ctx.rootDse.namingContexts.find((nc) => base.endsWith(nc.toLowerCase()));
    return suffix ?? this.settings.baseDn;
  }

  /**
   * R36: changed between (from − pwdMaxAge) and (to − pwdMaxAge) under the default policy.
   * Entries under another pwdPolicySubentry with a different max age are found only when
   * their change time falls in that range too.
   */
  protected async expiringFilter(window: ExpiryWindow): Promise<string | null> {
    const dn = await this.findDefaultPolicy();
    const maxAgeMs = ((dn ? await this.policyAt(dn) : null)?.maxAgeSeconds ?? 0) * 1000;
    if (maxAgeMs <= 0) return null;
    const at = (ms: number) => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
    return and(`(pwdChangedTime>=${at(window.from.getTime() - maxAgeMs)})`, `(pwdChangedTime<=${at(window.to.getTime() - maxAgeMs)})`, `(!${eq('pwdAccountLockedTime', ADMIN_LOCK)})`);
  }

  // ---- the user as the flows see it ----

  protected async toAccount(entry: Attrs): Promise<DirectoryAccount> {
    const policy = await this.policyFor(entry);
    const changedAt = parseGeneralizedTime(entry.first('pwdChangedTime'));
    const lockedRaw = entry.first('pwdAccountLockedTime');
    const lockedAt = lockedRaw && lockedRaw !== ADMIN_LOCK ? parseGeneralizedTime(lockedRaw) : null;
    const now = this.clock.now().getTime();
    const locked = lockedAt !== null && (!policy || policy.lockoutDurationSeconds === 0 || lockedAt.getTime() + policy.lockoutDurationSeconds * 1000 > now);
    const maxAge = policy?.maxAgeSeconds ?? 0;
    return {
      id: entry.first('entryUUID')!,
      username: entry.first('uid') ?? entry.first('mail') ?? entry.dn,
      displayName: entry.first('displayName') ?? entry.first('cn') ?? entry.first('uid') ?? entry.dn,
      email: entry.first('mail'),
      // ppolicy's administrative lock is the closest OpenLDAP has to a disabled account (R19).
      disabled: lockedRaw === ADMIN_LOCK,
      locked,
      // ppolicy keeps one value per recent failure (up to pwdMaxFailure); the newest counts.
      lastFailedSignInAt: latest(entry.all('pwdFailureTime').map(parseGeneralizedTime)),
      contact: {
        mobilePhone: toE164(entry.first('mobile')),
        officePhone: toE164(entry.first('telephoneNumber')),
        alternateEmail: entry.first(this.settings.alternateEmailAttribute),
      },
      password: {
        lastChangedAt: changedAt,
        // The directory enforces expiry; with no pwdMaxAge it never expires whatever the product policy says.
        neverExpires: maxAge === 0,
        mustChange: entry.first('pwdReset') === 'TRUE' && (policy?.mustChange ?? false),
        expiresAt: maxAge > 0 && changedAt ? new Date(changedAt.getTime() + maxAge * 1000) : null,
      },
    };
  }

  // ---- sign-in ----

  async verifyPassword(username: string, password: string): Promise<VerifyResult> {
    // An empty password would be an unauthenticated bind, which "succeeds" (RFC 4513 §5.1.2).
    if (!password) return { ok: false, reason: 'invalid' };
    const entry = await this.entryByLogin(username);
    if (!entry) {
      await this.decoyBind(password);
      return { ok: false, reason: 'invalid' };
    }
    const control = new PasswordPolicyControl();
    const bound = this.binder.use((c) => c.bind(entry.dn, password, control));
    // Groups read off the entry (memberOf): the user is made while the bind is out, on the
    // next turn, once the bind has left. A group search waits for the bind instead, so a
    // wrong password costs the same round trips as an unknown user (R13b).
    const ahead = this.settings.groupsFrom === 'memberOf' ? nextTurn().then(() => this.userOf(entry)) : null;
    // Awaited below only when the bind succeeds.
    ahead?.catch(() => {});
    try {
      await bound;
    } catch (error) {
      if (!(error instanceof InvalidCredentialsError)) {
        if (isVerdict(error)) return { ok: false, reason: 'invalid' };
        throw error;
      }
      const why = control.response?.error;
      if (why === 'accountLocked' || why === 'passwordExpired') {
        const user = await this.materialize(await this.fresh(entry));
        if (why === 'passwordExpired') return { ok: false, reason: 'expired', user };
        return user.disabled ? { ok: false, reason: 'disabled' } : { ok: false, reason: 'locked', user };
      }
      return { ok: false, reason: 'invalid' };
    }
    // Bound: the entry read before the bind holds all the user needs (the bind only clears
    // failure times and counts grace logins, which the user does not show), except that an
    // expired lock slapd just lifted is no lock.
    const user = ahead ? this.remember(entry, await ahead) : await this.materialize(entry);
    user.locked = false;
    if (control.response?.error === 'changeAfterReset') user.password.mustChange = true;
    return { ok: true, user };
  }

  private async fresh(entry: Attrs): Promise<Attrs> {
    const [again] = await this.search(entry.dn, this.userClass, this.userAttributes, { scope: 'base' });
    return again ?? entry;
  }

  // ---- writes ----

  private async write(entry: Attrs, changes: Change[], client?: Client): Promise<PasswordWriteResult> {
    const control = new PasswordPolicyControl();
    try {
      await (client ? client.modify(entry.dn, changes, control) : this.service.use((c) => c.modify(entry.dn, changes, control)));
      return { ok: true, changedAt: this.clock.now() };
    } catch (error) {
      return this.refusal(error, control, entry);
    }
  }

  private async refusal(error: unknown, control: PasswordPolicyControl, entry: Attrs): Promise<PasswordWriteResult> {
    if (error instanceof InsufficientAccessError) {
      // The service account lacks a right it needs: a set-up fault, not the user's password.
      throw new DirectoryUnavailableError(`the service account may not write ${entry.dn}: ${error.message}`, { cause: error });
    }
    // Reset retries this one from a fresh read.
    if (!isVerdict(error) || error instanceof NoSuchAttributeError) throw error;
    const policy = await this.policyFor(entry);
    return { ok: false, violations: ppolicyViolations(control.response?.error, policy, (error as ResultCodeError).message) };
  }

  async resetPassword(user: DirectoryAccount, newPassword: string, options: { unlock: boolean; mustChange?: boolean }, retry = true): Promise<PasswordWriteResult> {
    // The retry reads afresh: the carried entry named an attribute that has since gone.
    const entry = await this.entryOf(user, !retry);
    if (!entry) return { ok: false, violations: [{ rule: 'accountGone', message: m.accountGone }] };
    if (entry.first('pwdAccountLockedTime') === ADMIN_LOCK) return { ok: false, violations: [{ rule: 'accountDisabled', message: m.accountDisabled }] };
    const changes = [new Change({ operation: 'replace', modification: new Attribute({ type: 'userPassword', values: [newPassword] }) })];
    if (options.mustChange) changes.push(new Change({ operation: 'replace', modification: new Attribute({ type: 'pwdReset', values: ['TRUE'] }) }));
    else if (entry.has('pwdReset')) changes.push(new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdReset' }) }));
    // One modify: the password and the unlock land together or not at all (R18c).
    if (options.unlock && entry.has('pwdAccountLockedTime')) changes.push(new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdAccountLockedTime' }) }));
    try {
      const result = await this.uncertain.track(entry.dn, newPassword, () => this.write(entry, changes));
      // A timed-out write of this password that landed late: the retry is refused as "in
      // history", or, when both land within the same second, by ppolicy's own pwdHistory value
      // clash (typeOrValueExists). Either way the password asked for is in effect.
      if (!result.ok && (await this.landedLate(entry.dn, newPassword))) {
        if (options.unlock) await this.unlock(user);
        return { ok: true, changedAt: this.clock.now() };
      }
      if (result.ok) this.uncertain.forget(entry.dn);
      return result;
    } catch (error) {
      // An attribute vanished in between (another reset, an unlock): write again from a fresh read.
      if (error instanceof NoSuchAttributeError && retry) return this.resetPassword(user, newPassword, options, false);
      throw error;
    }
  }

  protected userBindControl(): PasswordPolicyControl {
    return new PasswordPolicyControl();
  }

  protected async changeEntryPassword(entry: Attrs, currentPassword: string, newPassword: string, beforeWrite: () => Promise<void>, early: EarlyBind | null): Promise<PasswordWriteResult> {
    const writeControl = new PasswordPolicyControl();
    type Outcome = { kind: 'done' } | { kind: 'bindFailed'; why: PpolicyError | undefined } | { kind: 'refused'; error: unknown } | NotWritten;
    const outcome = await this.asUser(entry, currentPassword, early, async (c, bindError, bindControl): Promise<Outcome> => {
      if (bindError) {
        if (isVerdict(bindError)) return { kind: 'bindFailed', why: bindControl instanceof PasswordPolicyControl ? bindControl.response?.error : undefined };
        throw bindError;
      }
      const held = await holdWrite(beforeWrite);
      if (held) return held;
      try {
        await c.exop(PASSWORD_MODIFY_OID, passwordModifyValue({ oldPassword: currentPassword, newPassword }), writeControl);
        return { kind: 'done' };
      } catch (error) {
        if (isVerdict(error)) return { kind: 'refused', error };
        throw error;
      }
    });
    if (outcome.kind === 'done') return { ok: true, changedAt: this.clock.now() };
    if (outcome.kind === 'notWritten') throw outcome.error;
    if (outcome.kind === 'refused') return this.refusal(outcome.error, writeControl, entry);
    const why = outcome.why;
    if (why === 'passwordExpired') {
      await beforeWrite();
      // The directory confirmed the current password but has no grace binds left
      // (pwdGraceAuthNLimit): the user cannot bind to change it, so the service account
      // writes it — with ppolicy's quality and history checks — and clears any reset flag.
      const changes = [new Change({ operation: 'replace', modification: new Attribute({ type: 'userPassword', values: [newPassword] }) })];
      if (entry.has('pwdReset')) changes.push(new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdReset' }) }));
      return this.write(entry, changes);
    }
    // ppolicy's administrative lock is how OpenLDAP disables an account (R19).
    if (why === 'accountLocked' && entry.first('pwdAccountLockedTime') === ADMIN_LOCK) return { ok: false, violations: [{ rule: 'accountDisabled', message: m.accountDisabled }] };
    if (why === 'accountLocked') return { ok: false, violations: [{ rule: 'accountLocked', message: m.accountLocked }] };
    return { ok: false, violations: [{ rule: 'currentPassword', message: m.currentPassword }] };
  }

  async unlock(user: DirectoryAccount): Promise<void> {
    const entry = await this.entryById(user.id);
    if (!entry) return;
    const locked = entry.first('pwdAccountLockedTime');
    // The administrative lock is not ours to lift.
    if (!locked || locked === ADMIN_LOCK) return;
    try {
      await this.service.use((c) => c.modify(entry.dn, new Change({ operation: 'delete', modification: new Attribute({ type: 'pwdAccountLockedTime' }) })));
    } catch (error) {
      if (error instanceof NoSuchAttributeError) return;
      if (error instanceof InsufficientAccessError) throw new DirectoryUnavailableError(`the service account may not unlock ${entry.dn}: ${error.message}`, { cause: error });
      throw error;
    }
  }
}
