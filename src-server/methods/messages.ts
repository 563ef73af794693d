import type { Locale } from '../../shared/api/common.js';
import type { PolicyDocument } from '../../shared/api/policy.js';

type Branding = PolicyDocument['branding'];
export type CodePurpose = 'reset' | 'registration';

function org(b: Branding, locale: Locale): string {
  return b.organizationName.trim() || (locale === 'ja' ? 'パスワードリセット' : 'Password reset');
}

function contactLine(b: Branding, locale: Locale): string {
  if (locale === 'ja') {
    return b.contactAdmin
      ? `心当たりがない場合は、このメールを無視し、${b.contactAdmin} に連絡してください。`
      : '心当たりがない場合は、このメールを無視し、管理者に連絡してください。';
  }
  return b.contactAdmin
    ? `If you did not ask for this, ignore this message and contact ${b.contactAdmin}.`
    : 'If you did not ask for this, ignore this message and contact your administrator.';
}

/** R12 / R20: the email carrying a one-time code, localised and branded. */
export function emailCodeMessage(code: string, purpose: CodePurpose, branding: Branding, locale: Locale): { subject: string; text: string } {
  const o = org(branding, locale);
  if (locale === 'ja') {
    const what = purpose === 'reset' ? 'パスワードのリセット' : '確認用メールアドレスの登録';
    return {
      subject: `[${o}] 確認コード ${code}`,
      text: `${what}の確認コードは次のとおりです。\n\n    ${code}\n\nこのコードの有効期限は 5 分間で、1 回だけ使えます。誰にも教えないでください。\n\n${contactLine(branding, locale)}\n\n${o}`,
    };
  }
  const what = purpose === 'reset' ? 'reset your password' : 'confirm this email address';
  return {
    subject: `[${o}] Your verification code: ${code}`,
    text: `Use this code to ${what}:\n\n    ${code}\n\nIt is valid for 5 minutes and works once. Never share it with anyone.\n\n${contactLine(branding, locale)}\n\n${o}`,
  };
}

/** R12 / R20: a text message: short, localised, branded. */
export function smsCodeMessage(code: string, purpose: CodePurpose, branding: Branding, locale: Locale): string {
  const o = org(branding, locale);
  if (locale === 'ja') return `[${o}] ${purpose === 'reset' ? 'パスワードリセット' : '電話番号の登録'}の確認コード: ${code}（5 分間有効）。他人に教えないでください。`;
  return `[${o}] ${code} is your ${purpose === 'reset' ? 'password reset' : 'phone registration'} code. Valid 5 min. Do not share it.`;
}

/** R12 / R20: what the voice call says: the digits one by one, said twice. */
export function voiceCodeMessage(code: string, purpose: CodePurpose, branding: Branding, locale: Locale): string {
  const o = org(branding, locale);
  const digits = [...code].join(locale === 'ja' ? '、' : ', ');
  if (locale === 'ja') {
    return `${o}です。${purpose === 'reset' ? 'パスワードリセット' : '電話番号の登録'}の確認コードは、${digits}。繰り返します。${digits}。`;
  }
  return `This is ${o}. Your ${purpose === 'reset' ? 'password reset' : 'phone registration'} code is ${digits}. Again: ${digits}.`;
}
