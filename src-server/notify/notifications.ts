import type { Locale } from '../../shared/api/common.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import type { Clock } from '../clock.js';
import type { Directory, DirectoryUser } from '../directory/directory.js';
import type { Log } from '../log.js';
import type { PolicyStore } from '../policy/policy-store.js';
import type { MailMessage, Mailer } from './mailer.js';

type Branding = PolicyDocument['branding'];

function org(b: Branding, locale: Locale): string {
  return b.organizationName || (locale === 'ja' ? 'IT 部門' : 'IT');
}

function contactLine(b: Branding, locale: Locale): string {
  if (!b.contactAdmin) return locale === 'ja' ? '心当たりがない場合は、すぐに管理者に連絡してください。' : 'If this was not you, contact your administrator at once.';
  return locale === 'ja' ? `心当たりがない場合は、すぐに ${b.contactAdmin} に連絡してください。` : `If this was not you, contact ${b.contactAdmin} at once.`;
}

/** R20, R22: the localised, branded notice that a password was reset or changed. */
export function passwordNotice(user: Pick<DirectoryUser, 'username' | 'displayName'>, how: 'reset' | 'change', when: Date, client: string, branding: Branding, locale: Locale): { subject: string; text: string } {
  const o = org(branding, locale);
  const at = when.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
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

function adminNotice(admin: Pick<DirectoryUser, 'username' | 'displayName'>, when: Date, client: string, branding: Branding, locale: Locale): { subject: string; text: string } {
  const o = org(branding, locale);
  const at = when.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return locale === 'ja'
    ? { subject: `[${o}] 管理者のパスワードがリセットされました`, text: `管理者アカウント「${admin.username}」（${admin.displayName}）のパスワードが ${at} にセルフサービスでリセットされました（接続元: ${client}）。\n\n心当たりがない場合は調査してください。\n\n${o}` }
    : { subject: `[${o}] An administrator's password was reset`, text: `The password of administrator account "${admin.username}" (${admin.displayName}) was reset through self-service at ${at} (from ${client}).\n\nIf this is unexpected, investigate.\n\n${o}` };
}

export interface PasswordNotifierDependencies {
  clock: Clock;
  directory: Directory;
  policyStore: PolicyStore;
  mailer: Mailer;
  log: Log;
}

/** Who a notice is about: what the messages need, nothing that changes with the directory. */
export type NoticeSubject = Pick<DirectoryUser, 'id' | 'username' | 'displayName' | 'email' | 'isAdmin'>;

/**
 * R22: after a password reset or change, tell the user by email; when an administrator
 * resets their own password, tell every other administrator. Each switch is in the policy.
 * A mail failure is logged and never undoes the reset.
 */
export class PasswordNotifier {
  constructor(private readonly deps: PasswordNotifierDependencies) {}

  /** The messages R22 asks for, rendered now (a reset queues them in its own transaction). */
  async messages(user: NoticeSubject, ctx: { how: 'reset' | 'change'; client: string; locale: Locale; when?: Date }): Promise<MailMessage[]> {
    const { clock, directory, policyStore } = this.deps;
    const policy = await policyStore.get();
    const when = ctx.when ?? clock.now();
    const messages: MailMessage[] = [];
    if (policy.sspr.notifyUserOnReset && user.email) messages.push({ to: user.email, ...passwordNotice(user, ctx.how, when, ctx.client, policy.branding, ctx.locale) });
    if (ctx.how === 'reset' && user.isAdmin && policy.sspr.notifyAdminsOnAdminReset) {
      for (const admin of await directory.listAdmins()) {
        if (admin.id === user.id || !admin.email) continue;
        messages.push({ to: admin.email, ...adminNotice(user, when, ctx.client, policy.branding, ctx.locale) });
      }
    }
    return messages;
  }

  async passwordChanged(user: NoticeSubject, ctx: { how: 'reset' | 'change'; client: string; locale: Locale }): Promise<void> {
    const { mailer, log } = this.deps;
    const sends = (await this.messages(user, ctx)).map((m) => mailer.send(m));
    for (const r of await Promise.allSettled(sends)) {
      if (r.status === 'rejected') log.warn({ err: (r.reason as Error).message }, 'password notification not sent');
    }
  }
}
