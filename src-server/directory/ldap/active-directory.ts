import { AndFilter, Attribute, Change, EqualityFilter, FilterParser, InsufficientAccessError, InvalidCredentialsError, UnavailableCriticalExtensionError, type Client, type Filter } from 'ldapts';
import { PASSWORD_MESSAGES } from '../../../shared/i18n/messages.js';
import { DirectoryUnavailableError, type DirectoryAccount, type ExpiryWindow, type PasswordWriteResult, type VerifyResult } from '../directory.js';
import { adBindReason, adWriteViolations, type AdDomainPolicy } from './ad-errors.js';
import { isVerdict } from './connection.js';
import { PolicyHintsControl } from './controls.js';
import type { EarlyBind } from './early-bind.js';
import { and, eq, extensible, or } from './escape.js';
import { holdWrite, LdapDirectory, type GroupRef, type LdapContext, type NotWritten } from './ldap-directory.js';
import { Attrs, FILETIME_NEVER, guidToBytes, guidToString, parseFiletime, parseInterval, toE164 } from './values.js';

const m = PASSWORD_MESSAGES.en;

/** LDAP_MATCHING_RULE_IN_CHAIN: membership through nested groups. */
const IN_CHAIN = '1.2.840.113556.1.4.1941';
/** LDAP_MATCHING_RULE_BIT_AND: a flag set in a bit field. */
const BIT_AND = '1.2.840.113556.1.4.803';
const UF_ACCOUNTDISABLE = 0x2;
const UF_LOCKOUT = 0x10;
const UF_DONT_EXPIRE_PASSWD = 0x10000;

/** AD wants the new password as a quoted UTF-16LE string. */
function unicodePwd(password: string): Buffer {
  return Buffer.from(`"${password}"`, 'utf16le');
}

const replace = (type: string, values: Buffer[] | string[]) => new Change({ operation: 'replace', modification: new Attribute({ type, values }) });

/**
 * Active Directory (and Samba AD). Resets replace `unicodePwd` as the service account with
 * the policy-hints control, so history and complexity apply as for a change; users change
 * their own password by deleting the old and adding the new value, bound as themselves.
 * Writes need LDAPS or StartTLS: AD refuses password writes in the clear.
 */
export class ActiveDirectory extends LdapDirectory {
  readonly kind = 'activedirectory' as const;
  protected readonly userClass = '(&(objectClass=user)(!(objectClass=computer)))';
  protected readonly groupClass = '(objectClass=group)';
  protected readonly groupDefault = 'Domain Admins';
  protected readonly userAttributes: string[];
  /** Which policy-hints OID this DC takes: unknown (undefined) until the first reset, null for none. */
  private hintsOid: string | null | undefined;
  private domainPolicy: { policy: AdDomainPolicy | null; at: number } | null = null;

  constructor(ctx: LdapContext) {
    super(ctx);
    this.userAttributes = [
      'sAMAccountName', 'userPrincipalName', 'displayName', 'cn', 'mail', 'mobile', 'telephoneNumber', ctx.settings.alternateEmailAttribute,
      'objectGUID', 'userAccountControl', 'msDS-User-Account-Control-Computed', 'pwdLastSet', 'msDS-UserPasswordExpiryTimeComputed', 'lockoutTime', 'badPasswordTime',
    ];
    const listed = ctx.rootDse.supportedControls;
    if (listed.includes(PolicyHintsControl.OID)) this.hintsOid = PolicyHintsControl.OID;
    else if (listed.includes(PolicyHintsControl.DEPRECATED_OID)) this.hintsOid = PolicyHintsControl.DEPRECATED_OID;
  }

  protected override get bufferAttributes(): string[] {
    return ['objectGUID'];
  }

  /** `alice`, `alice@example.org` (UPN or mail) or down-level `EXAMPLE\alice`. */
  protected loginFilter(login: string): string {
    const downLevel = /^[^\\@]+\\([^\\]+)$/.exec(login);
    if (downLevel) return eq('sAMAccountName', downLevel[1]!);
    return or(eq('sAMAccountName', login), eq('userPrincipalName', login), eq('mail', login));
  }

  protected readonly idAttribute = 'objectGUID';
  protected idOf(entry: Attrs): string | null {
    const guid = entry.buffer('objectGUID');
    return guid ? guidToString(guid) : null;
  }

  protected idFilter(id: string): Filter | null {
    const bytes = guidToBytes(id);
    // objectGUID is binary: an escaped string filter would not survive ldapts's parser intact.
    return bytes ? new AndFilter({ filters: [FilterParser.parseString(this.userClass), new EqualityFilter({ attribute: 'objectGUID', value: bytes })] }) : null;
  }

  protected async groupsOf(user: Attrs): Promise<GroupRef[]> {
    const found = await this.search(this.settings.baseDn, and(this.groupClass, extensible('member', IN_CHAIN, user.dn)), ['cn']);
    return this.sortedGroups(found.map((g) => this.groupRef(g)));
  }

  protected async adminEntries(groupDn: string): Promise<Attrs[]> {
    return this.search(this.settings.baseDn, and(this.userClass, extensible('memberOf', IN_CHAIN, groupDn)), this.userAttributes, { buffers: this.bufferAttributes });
  }

  /**
   * R36: pwdLastSet between (from − maxPwdAge) and (to − maxPwdAge) as FILETIME, enabled and
   * not "password never expires" (both bits tested on the DC, LDAP_MATCHING_RULE_BIT_AND).
   * Fine-grained password policies with another max age are found only inside that range.
   */
  protected async expiringFilter(window: ExpiryWindow): Promise<string | null> {
    const maxAgeMs = (await this.policy())?.maxPwdAgeMs ?? 0;
    if (maxAgeMs <= 0) return null;
    const filetime = (ms: number) => String((BigInt(ms) + 11_644_473_600_000n) * 10_000n);
    const bit = (flag: number) => `(!${extensible('userAccountControl', BIT_AND, String(flag))})`;
    return and(`(pwdLastSet>=${filetime(window.from.getTime() - maxAgeMs)})`, `(pwdLastSet<=${filetime(window.to.getTime() - maxAgeMs)})`, bit(UF_ACCOUNTDISABLE), bit(UF_DONT_EXPIRE_PASSWD));
  }

  private async policy(): Promise<AdDomainPolicy | null> {
    const now = performance.now();
    if (this.domainPolicy && now - this.domainPolicy.at < this.settings.policyCacheMs) return this.domainPolicy.policy;
    const domain = this.ctx.rootDse.defaultNamingContext ?? this.settings.baseDn;
    const [d] = await this.search(domain, '(objectClass=domain)', ['minPwdLength', 'pwdHistoryLength', 'minPwdAge', 'maxPwdAge', 'pwdProperties'], { scope: 'base' }).catch((e: unknown) => {
      if (isVerdict(e)) return [];
      throw e;
    });
    const policy = d
      ? {
          minPwdLength: Number(d.first('minPwdLength') ?? 0),
          pwdHistoryLength: Number(d.first('pwdHistoryLength') ?? 0),
          minPwdAgeMs: parseInterval(d.first('minPwdAge')) ?? 0,
          maxPwdAgeMs: parseInterval(d.first('maxPwdAge')),
          complexity: (Number(d.first('pwdProperties') ?? 0) & 1) === 1,
        }
      : null;
    this.domainPolicy = { policy, at: now };
    return policy;
  }

  protected async toAccount(entry: Attrs): Promise<DirectoryAccount> {
    const uac = Number(entry.first('userAccountControl') ?? 0);
    const computed = entry.first('msDS-User-Account-Control-Computed');
    const lockoutTime = entry.first('lockoutTime');
    const pwdLastSet = entry.first('pwdLastSet');
    const expiryRaw = entry.first('msDS-UserPasswordExpiryTimeComputed');
    const guid = entry.buffer('objectGUID');
    return {
      id: guid ? guidToString(guid) : entry.dn,
      username: entry.first('sAMAccountName') ?? entry.dn,
      displayName: entry.first('displayName') ?? entry.first('cn') ?? entry.dn,
      email: entry.first('mail'),
      disabled: (uac & UF_ACCOUNTDISABLE) !== 0,
      // The DC computes the lockout with its own clock and lockout duration; older DCs only have lockoutTime.
      locked: computed !== null ? (Number(computed) & UF_LOCKOUT) !== 0 : lockoutTime !== null && lockoutTime !== '0',
      // Not replicated: the DC this server reads from tells what it saw (the PDC sees every failure).
      lastFailedSignInAt: parseFiletime(entry.first('badPasswordTime')),
      contact: {
        mobilePhone: toE164(entry.first('mobile')),
        officePhone: toE164(entry.first('telephoneNumber')),
        alternateEmail: entry.first(this.settings.alternateEmailAttribute),
      },
      password: {
        lastChangedAt: parseFiletime(pwdLastSet),
        neverExpires: (uac & UF_DONT_EXPIRE_PASSWD) !== 0 || (expiryRaw !== null && BigInt(expiryRaw) >= FILETIME_NEVER),
        mustChange: pwdLastSet === '0',
        expiresAt: parseFiletime(expiryRaw),
      },
    };
  }

  async verifyPassword(username: string, password: string): Promise<VerifyResult> {
    // An empty password would be an unauthenticated bind, which "succeeds" (RFC 4513 §5.1.2).
    if (!password) return { ok: false, reason: 'invalid' };
    const entry = await this.entryByLogin(username);
    if (!entry) {
      await this.decoyBind(password);
      return { ok: false, reason: 'invalid' };
    }
    try {
      await this.binder.use((c) => c.bind(entry.dn, password));
    } catch (error) {
      if (!(error instanceof InvalidCredentialsError)) {
        if (isVerdict(error)) return { ok: false, reason: 'invalid' };
        throw error;
      }
      const reason = adBindReason(error.message);
      if (reason === 'invalid') return { ok: false, reason: 'invalid' };
      if (reason === 'disabled') return { ok: false, reason: 'disabled' };
      const user = await this.materialize(await this.fresh(entry));
      if (reason === 'mustChange') user.password.mustChange = true;
      return { ok: false, reason: reason === 'mustChange' ? 'expired' : reason, user };
    }
    // Bound: the entry read before the bind holds what the user shows; a DC that let the bind
    // through does not hold the account locked (issue 12: no second read of the entry).
    const user = await this.materialize(entry);
    user.locked = false;
    return { ok: true, user };
  }

  private async fresh(entry: Attrs): Promise<Attrs> {
    const [again] = await this.search(entry.dn, this.userClass, this.userAttributes, { scope: 'base', buffers: this.bufferAttributes });
    return again ?? entry;
  }

  private async refusal(error: unknown, entry: Attrs, newPassword: string, isChange: boolean): Promise<PasswordWriteResult> {
    if (error instanceof InsufficientAccessError) {
      throw new DirectoryUnavailableError(`the service account may not write ${entry.dn}: ${error.message}`, { cause: error });
    }
    if (!isVerdict(error)) throw error;
    const violations = adWriteViolations(error.message, {
      policy: await this.policy(),
      newPassword,
      accountName: entry.first('sAMAccountName'),
      displayName: entry.first('displayName') ?? entry.first('cn'),
      lastSetAt: parseFiletime(entry.first('pwdLastSet')),
      now: this.clock.now(),
      isChange,
    });
    return { ok: false, violations };
  }

  /** The reset modify with the policy-hints control, stepping down 2239 → 2066 → none on DCs that refuse it. */
  private async modifyWithHints(client: Client, dn: string, changes: Change[]): Promise<void> {
    const candidates = this.hintsOid !== undefined ? [this.hintsOid] : [PolicyHintsControl.OID, PolicyHintsControl.DEPRECATED_OID, null];
    for (const oid of candidates) {
      try {
        await client.modify(dn, changes, oid ? new PolicyHintsControl(oid) : []);
        if (oid === null && this.hintsOid === undefined) {
          this.ctx.log.warn({ url: this.settings.url }, 'the domain controller takes no policy-hints control: resets are checked for length and complexity but not against password history');
        }
        this.hintsOid = oid;
        return;
      } catch (error) {
        if (error instanceof UnavailableCriticalExtensionError && oid !== null && this.hintsOid === undefined) continue;
        throw error;
      }
    }
  }

  async resetPassword(user: DirectoryAccount, newPassword: string, options: { unlock: boolean; mustChange?: boolean }): Promise<PasswordWriteResult> {
    const entry = await this.entryOf(user);
    if (!entry) return { ok: false, violations: [{ rule: 'accountGone', message: m.accountGone }] };
    if ((Number(entry.first('userAccountControl') ?? 0) & UF_ACCOUNTDISABLE) !== 0) return { ok: false, violations: [{ rule: 'accountDisabled', message: m.accountDisabled }] };
    const changes = [replace('unicodePwd', [unicodePwd(newPassword)])];
    // One modify: password, unlock and must-change land together or not at all (R18c).
    const lockout = entry.first('lockoutTime');
    if (options.unlock && lockout !== null && lockout !== '0') changes.push(replace('lockoutTime', ['0']));
    if (options.mustChange) changes.push(replace('pwdLastSet', ['0']));
    try {
      await this.uncertain.track(entry.dn, newPassword, () => this.service.use((c) => this.modifyWithHints(c, entry.dn, changes)));
      this.uncertain.forget(entry.dn);
      return { ok: true, changedAt: this.clock.now() };
    } catch (error) {
      const refused = await this.refusal(error, entry, newPassword, false);
      if (!refused.ok && refused.violations[0]?.rule === 'history' && (await this.landedLate(entry.dn, newPassword))) {
        if (options.unlock) await this.unlock(user);
        return { ok: true, changedAt: this.clock.now() };
      }
      return refused;
    }
  }

  protected userBindControl(): undefined {
    return undefined;
  }

  protected async changeEntryPassword(entry: Attrs, currentPassword: string, newPassword: string, beforeWrite: () => Promise<void>, early: EarlyBind | null): Promise<PasswordWriteResult> {
    const changes = [
      new Change({ operation: 'delete', modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(currentPassword)] }) }),
      new Change({ operation: 'add', modification: new Attribute({ type: 'unicodePwd', values: [unicodePwd(newPassword)] }) }),
    ];
    type Outcome = { kind: 'done' } | { kind: 'bindFailed'; message: string } | { kind: 'refused'; error: unknown } | NotWritten;
    const outcome = await this.asUser(entry, currentPassword, early, async (c, bindError): Promise<Outcome> => {
      if (bindError) {
        if (isVerdict(bindError)) return { kind: 'bindFailed', message: bindError.message };
        throw bindError;
      }
      const held = await holdWrite(beforeWrite);
      if (held) return held;
      try {
        await c.modify(entry.dn, changes);
        return { kind: 'done' };
      } catch (error) {
        if (isVerdict(error)) return { kind: 'refused', error };
        throw error;
      }
    });
    if (outcome.kind === 'done') return { ok: true, changedAt: this.clock.now() };
    if (outcome.kind === 'notWritten') throw outcome.error;
    if (outcome.kind === 'refused') return this.refusal(outcome.error, entry, newPassword, true);
    const reason = adBindReason(outcome.message);
    if (reason === 'expired' || reason === 'mustChange') {
      await beforeWrite();
      // The DC confirmed the current password but will not let the user bind with it. The
      // change itself (delete old + add new) is open to any account — the DC checks the old
      // value and applies age, history and complexity — so the service account sends it.
      try {
        await this.service.use((c) => c.modify(entry.dn, changes));
        return { ok: true, changedAt: this.clock.now() };
      } catch (error) {
        return this.refusal(error, entry, newPassword, true);
      }
    }
    if (reason === 'locked') return { ok: false, violations: [{ rule: 'accountLocked', message: m.accountLocked }] };
    if (reason === 'disabled') return { ok: false, violations: [{ rule: 'accountDisabled', message: m.accountDisabled }] };
    return { ok: false, violations: [{ rule: 'currentPassword', message: m.currentPassword }] };
  }

  async unlock(user: DirectoryAccount): Promise<void> {
    const entry = await this.entryById(user.id);
    const lockout = entry?.first('lockoutTime');
    if (!entry || !lockout || lockout === '0') return;
    try {
      await this.service.use((c) => c.modify(entry.dn, replace('lockoutTime', ['0'])));
    } catch (error) {
      if (error instanceof InsufficientAccessError) throw new DirectoryUnavailableError(`the service account may not unlock ${entry.dn}: ${error.message}`, { cause: error });
      throw error;
    }
  }
}
