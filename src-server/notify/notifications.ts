import type { Locale } from '../../shared/api/common.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import type { Clock } from '../clock.js';
import type { Directory, DirectoryAccount, DirectoryUser } from '../directory/directory.js';
import type { Log } from '../log.js';
import type { PolicyStore } from '../policy/policy-store.js';
import type { Mailer } from './mailer.js';

type Branding = PolicyDocument['branding'];

function org(b: Branding, locale: Locale): string {
  return b.organizationName || (locale === 'ja' ? 'IT 部門' : 'IT');
}

function contactLine(b: Branding, locale: Locale): string {
  if (!b.contactAdmin) return locale === 'ja' ? '心当たりがない場合は、すぐに管理者に連絡してください。' : 'If this was not you, contact your administrator at once.';
  return locale === 'ja' ? `心当たりがない場合は、すぐに ${b.contactAdmin} に連絡してください。` : `If this was not you, contact ${b.contactAdmin} at once.`;
}

/** R20, R22: the localised, branded notice that a password was reset or changed. */
export function passwordNotice(user: DirectoryAccount, how: 'reset' | 'change' | 'unlock', when: Date, client: string, branding: Branding, locale: Locale): { subject: string; text: string } {
  const o = org(branding, locale);
  const at = when.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  // R33: an unlock leaves the password as it was; the notice says so.
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

function adminNotice(admin: DirectoryAccount, when: Date, client: string, branding: Branding, locale: Locale): { subject: string; text: string } {
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

/**
 * R22: after a password reset or change, tell the user by email; when an administrator
 * resets their own password, tell every other administrator. Each switch is in the policy.
 * A mail failure is logged and never undoes the reset.
 */
export class PasswordNotifier {
  constructor(private readonly deps: PasswordNotifierDependencies) {}

  // A change needs no administrator flag (only a reset tells the other administrators).
  async passwordChanged(user: DirectoryAccount & Partial<Pick<DirectoryUser, 'isAdmin'>>, ctx: { how: 'reset' | 'change' | 'unlock'; client: string; locale: Locale }): Promise<void> {
    const { clock, directory, policyStore, mailer, log } = this.deps;
    const policy = await policyStore.get();
    const when = clock.now();
    const sends: Array<Promise<void>> = [];
    if (policy.sspr.notifyUserOnReset && user.email) {
      const { subject, text } = passwordNotice(user, ctx.how, when, ctx.client, policy.branding, ctx.locale);
      sends.push(mailer.send({ to: user.email, subject, text }));
    }
    if (ctx.how === 'reset' && user.isAdmin && policy.sspr.notifyAdminsOnAdminReset) {
      for (const admin of await directory.listAdmins()) {
        if (admin.id === user.id || !admin.email) continue;
        const { subject, text } = adminNotice(user, when, ctx.client, policy.branding, ctx.locale);
        sends.push(mailer.send({ to: admin.email, subject, text }));
      }
    }
    for (const r of await Promise.allSettled(sends)) {
      if (r.status === 'rejected') log.warn({ err: (r.reason as Error).message }, 'password notification not sent');
    }
  }
}
