/** Text of the native notifications main shows (ja / en); a click opens `screen`. */
import type { Locale } from '../../shared/api/common.js';
import type { ExpiryWarning, RegistrationNudge } from '../../shared/ipc/contract.js';

export interface NativeNotification {
  /** Stable per purpose, so a newer notification replaces the older one. */
  tag: 'expiry' | 'registration' | 'approval';
  title: string;
  body: string;
  screen: 'changePassword' | 'registration' | 'approvals';
}

const TEXT = {
  en: {
    expiryTitle: 'Your password expires soon',
    expiryBody: (days: number) => (days <= 1 ? 'Your password expires within a day. Change it now.' : `Your password expires in ${days} days. Change it now.`),
    mustChangeTitle: 'Change your password',
    mustChangeBody: 'Your password has expired or must be changed. Change it now.',
    registerTitle: 'Set up password reset',
    registerBody: 'Register your verification methods so you can reset your own password.',
    reconfirmTitle: 'Are your verification methods up to date?',
    reconfirmBody: 'Please check and confirm your password reset methods.',
    approvalTitle: 'Approve a password reset?',
    approvalBody: 'Someone is resetting your password. Approve only if it is you.',
  },
  ja: {
    expiryTitle: 'パスワードの有効期限が近づいています',
    expiryBody: (days: number) => (days <= 1 ? 'パスワードの有効期限まで 1 日を切りました。今すぐ変更してください。' : `パスワードの有効期限まであと ${days} 日です。今すぐ変更してください。`),
    mustChangeTitle: 'パスワードを変更してください',
    mustChangeBody: 'パスワードの有効期限が切れたか、変更が必要です。今すぐ変更してください。',
    registerTitle: 'パスワードリセットの設定',
    registerBody: '自分でパスワードをリセットできるように、認証方法を登録してください。',
    reconfirmTitle: '認証方法は最新ですか？',
    reconfirmBody: 'パスワードリセットの認証方法を確認してください。',
    approvalTitle: 'パスワードのリセットを承認しますか？',
    approvalBody: 'パスワードのリセットが要求されています。ご本人の場合のみ承認してください。',
  },
} as const;

export function expiryNotification(w: ExpiryWarning, locale: Locale): NativeNotification {
  const t = TEXT[locale];
  if (w.mustChange) return { tag: 'expiry', title: t.mustChangeTitle, body: t.mustChangeBody, screen: 'changePassword' };
  return { tag: 'expiry', title: t.expiryTitle, body: t.expiryBody(w.daysUntilExpiry ?? 0), screen: 'changePassword' };
}

export function nudgeNotification(n: RegistrationNudge, locale: Locale): NativeNotification {
  const t = TEXT[locale];
  return n.kind === 'register'
    ? { tag: 'registration', title: t.registerTitle, body: t.registerBody, screen: 'registration' }
    : { tag: 'registration', title: t.reconfirmTitle, body: t.reconfirmBody, screen: 'registration' };
}

export function approvalNotification(locale: Locale): NativeNotification {
  const t = TEXT[locale];
  return { tag: 'approval', title: t.approvalTitle, body: t.approvalBody, screen: 'approvals' };
}
