import type { Locale } from '../../shared/api/common.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import type { Clock } from '../clock.js';
import type { Directory, DirectoryUser, SeenAccount } from '../directory/directory.js';
import type { Log } from '../log.js';
import type { PolicyStore } from '../store/policy-store.js';
import type { MailMessage, Mailer } from './mailer.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { MethodStore } from '../store/method-store.js';
import type { Db } from '../store/db.js';

type Branding = PolicyDocument['branding'];

/**
 * R32: where an account's owner hears of a change: the account's address, the directory's
 * alternate address and every verified email method (unverified ones are anyone's claim),
 * each address once.
 */
export async function ownerAddresses(user: Pick<SeenAccount, 'id' | 'email' | 'contact'>, methodStore: MethodStore, extra: string[] = []): Promise<string[]> {
  const addresses = [user.email, user.contact.alternateEmail, ...(await methodStore.verifiedEmailAddresses(user.id)), ...extra];
  return [...new Map(addresses.filter((a): a is string => !!a).map((a) => [a.toLowerCase(), a])).values()];
}

function org(b: Branding, locale: Locale): string {
  return b.organizationName || (locale === 'ja' ? 'IT 部門' : 'IT');
}

function contactLine(b: Branding, locale: Locale): string {
  if (!b.contactAdmin) return locale === 'ja' ? '心当たりがない場合は、すぐに管理者に連絡してください。' : 'If this was not you, contact your administrator at once.';
  return locale === 'ja' ? `心当たりがない場合は、すぐに ${b.contactAdmin} に連絡してください。` : `If this was not you, contact ${b.contactAdmin} at once.`;
}

/** R20, R22: the localised, branded notice that a password was reset or changed. */
export function passwordNotice(user: Pick<SeenAccount, 'username' | 'displayName'>, how: 'reset' | 'change' | 'unlock', when: Date, client: string, branding: Branding, locale: Locale): { subject: string; text: string } {
  const o = org(branding, locale);
  const at = when.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  // R37: an unlock leaves the password as it was; the notice says so.
  if (how === 'unlock') {
    return locale === 'ja'
      ? { subject: `[${o}] アカウントのロックが解除されました`, text: `${user.displayName} 様

アカウント「${user.username}」のロックが ${at} に解除されました（接続元: ${client}）。パスワードは変わっていません。

${contactLine(branding, locale)}

${o}` }
      : { subject: `[${o}] Your account was unlocked`, text: `Hello ${user.displayName},

Your account "${user.username}" was unlocked at ${at} (from ${client}). Your password did not change.

${contactLine(branding, locale)}

${o}` };
  }
  if (locale === 'ja') {
    const verb = how === 'reset' ? 'リセット' : '変更';
    return {
      subject: `[${o}] パスワードが${verb}されました`,
      text: `${user.displayName} 様\n\nアカウント「${user.username}」のパスワードが ${at} に${verb}されました（接続元: ${client}）。\n\n${contactLine(branding, locale)}\n\n${o}`,
    };
  }
  const verb = how === 'reset' ? 'reset' : 'changed';
  return {
    subject: `[${o}] Your password was ${verb}`,
    text: `Hello ${user.displayName},\n\nThe password of your account "${user.username}" was ${verb} at ${at} (from ${client}).\n\n${contactLine(branding, locale)}\n\n${o}`,
  };
}

function adminNotice(admin: Pick<SeenAccount, 'username' | 'displayName'>, when: Date, client: string, branding: Branding, locale: Locale): { subject: string; text: string } {
  const o = org(branding, locale);
  const at = when.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return locale === 'ja'
    ? { subject: `[${o}] 管理者のパスワードがリセットされました`, text: `管理者アカウント「${admin.username}」（${admin.displayName}）のパスワードが ${at} にセルフサービスでリセットされました（接続元: ${client}）。\n\n心当たりがない場合は調査してください。\n\n${o}` }
    : { subject: `[${o}] An administrator's password was reset`, text: `The password of administrator account "${admin.username}" (${admin.displayName}) was reset through self-service at ${at} (from ${client}).\n\nIf this is unexpected, investigate.\n\n${o}` };
}

interface PasswordNotifierDependencies {
  clock: Clock;
  directory: Directory;
  policyStore: PolicyStore;
  methodStore: MethodStore;
}

/** Who a notice is about. A change needs no administrator flag (only a reset tells the other administrators). */
/** All a password notice reads of its account: a change may render its notices from the account as last seen (`sameSeen`). */
type NoticeSubject = SeenAccount & Partial<Pick<DirectoryUser, 'isAdmin'>>;

/**
 * R22, R32: after a password reset or change, tell the user by email, at every address
 * `ownerAddresses` names; when an administrator
 * resets their own password, tell every other administrator. Each switch is in the policy.
 * A mail failure is logged and never undoes the reset.
 */
export class PasswordNotifier {
  constructor(private readonly deps: PasswordNotifierDependencies) {}

  /** The messages R22 asks for, rendered now (a reset queues them in its own transaction). */
  async messages(user: NoticeSubject, ctx: { how: 'reset' | 'change' | 'unlock'; client: string; locale: Locale; when?: Date }): Promise<MailMessage[]> {
    const { clock, directory, policyStore, methodStore } = this.deps;
    const policy = await policyStore.get();
    const when = ctx.when ?? clock.now();
    const messages: MailMessage[] = [];
    if (policy.sspr.notifyUserOnReset) {
      const notice = passwordNotice(user, ctx.how, when, ctx.client, policy.branding, ctx.locale);
      for (const to of await ownerAddresses(user, methodStore)) messages.push({ to, ...notice });
    }
    if (ctx.how === 'reset' && user.isAdmin && policy.sspr.notifyAdminsOnAdminReset) {
      for (const admin of await directory.listAdmins()) {
        if (admin.id === user.id || !admin.email) continue;
        messages.push({ to: admin.email, ...adminNotice(user, when, ctx.client, policy.branding, ctx.locale) });
      }
    }
    return messages;
  }
}

/** A change to an account its owner must hear about (R32). */
export type AccountChange =
  | { kind: 'methodAdded'; method: string }
  | { kind: 'methodRemoved'; method: string }
  | { kind: 'accessPassIssued'; expiresAt: Date };

const METHOD_NAMES: Record<string, { ja: string; en: string }> = {
  email: { ja: 'メールアドレス', en: 'an email address' },
  mobilePhone: { ja: '携帯電話', en: 'a mobile phone' },
  officePhone: { ja: '会社電話', en: 'an office phone' },
  authenticatorCode: { ja: '認証アプリのコード', en: 'an authenticator app code' },
  authenticatorPush: { ja: '認証アプリのプッシュ通知', en: 'authenticator app push approvals' },
  securityQuestions: { ja: '秘密の質問', en: 'security questions' },
};

/** R20, R32: the localised, branded notice of a change; it names what changed, never a secret. */
function accountChangeNotice(user: DirectoryUser, change: AccountChange, when: Date, client: string, branding: Branding, locale: Locale): { subject: string; text: string } {
  const o = org(branding, locale);
  const at = when.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const name = 'method' in change ? (METHOD_NAMES[change.method]?.[locale] ?? change.method) : '';
  if (locale === 'ja') {
    const what =
      change.kind === 'methodAdded' ? { subject: '本人確認の方法が追加されました', line: `本人確認の方法（${name}）が追加されました` }
      : change.kind === 'methodRemoved' ? { subject: '本人確認の方法が削除されました', line: `本人確認の方法（${name}）が削除されました` }
      : { subject: '一時アクセスパスが発行されました', line: `管理者が一時アクセスパスを発行しました（有効期限 ${change.expiresAt.toISOString().replace('T', ' ').slice(0, 16)} UTC）` };
    return { subject: `[${o}] ${what.subject}`, text: `${user.displayName} 様\n\nアカウント「${user.username}」で ${at} に${what.line}（接続元: ${client}）。\n\n${contactLine(branding, locale)}\n\n${o}` };
  }
  const what =
    change.kind === 'methodAdded' ? { subject: 'A verification method was added', line: `${name} was added as a verification method` }
    : change.kind === 'methodRemoved' ? { subject: 'A verification method was removed', line: `${name} was removed from your verification methods` }
    : { subject: 'A Temporary Access Pass was issued', line: `an administrator issued a Temporary Access Pass (valid until ${change.expiresAt.toISOString().replace('T', ' ').slice(0, 16)} UTC)` };
  return { subject: `[${o}] ${what.subject}`, text: `Hello ${user.displayName},\n\nOn your account "${user.username}", ${what.line} at ${at} (from ${client}).\n\n${contactLine(branding, locale)}\n\n${o}` };
}

interface AccountNotifierDependencies {
  clock: Clock;
  policyStore: PolicyStore;
  mailer: Mailer;
  methodStore: MethodStore;
  auditLog: AuditLog;
  db: Db;
  log: Log;
}

/**
 * R32: tells the account's owner of a change of methods or a pass issued, at the account's
 * own address and every verified email method (`alsoTo`: one just removed), and audits it.
 * A mail failure is logged and never undoes the change.
 */
export class AccountNotifier {
  constructor(private readonly deps: AccountNotifierDependencies) {}

  async notify(user: DirectoryUser, change: AccountChange, ctx: { client: string; locale: Locale; alsoTo?: string[] }): Promise<void> {
    const { clock, policyStore, mailer, methodStore, auditLog, db, log } = this.deps;
    const policy = await policyStore.get();
    const to = await ownerAddresses(user, methodStore, ctx.alsoTo);
    if (!to.length) return;
    const { subject, text } = accountChangeNotice(user, change, clock.now(), ctx.client, policy.branding, ctx.locale);
    const results = await Promise.allSettled(to.map((address) => mailer.send({ to: address, subject, text })));
    const failed = results.filter((r) => r.status === 'rejected').length;
    for (const r of results) if (r.status === 'rejected') log.warn({ err: (r.reason as Error).message }, 'account notice not sent');
    await auditLog.write(db, { type: 'notice.sent', user: user.username, result: failed ? 'failure' : 'success', client: ctx.client, detail: { change: change.kind, recipients: to.length, failed } });
  }
}
