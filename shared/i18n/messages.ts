import type { Locale } from '../api/common.js';

/**
 * Server- and app-side text that more than one layer shows: password-rule messages,
 * problem titles. UI-only strings live with the renderer.
 */
type Catalogue = {
  minLength: (n: number) => string;
  maxLength: (n: number) => string;
  characterClasses: (n: number) => string;
  nameParts: string;
  common: string;
  banned: string;
  history: (n: number) => string;
  sameAsCurrent: string;
  whitespace: string;
  directory: string;
  tooYoung: string;
  /** Directory refusals (LDAP / AD) beyond the product's own rules. */
  directoryQuality: string;
  complexity: string;
  changeNotAllowed: string;
  currentPassword: string;
  accountLocked: string;
  accountDisabled: string;
  accountGone: string;
};

export const PASSWORD_MESSAGES: Record<Locale, Catalogue> = {
  en: {
    minLength: (n) => `Use at least ${n} characters.`,
    maxLength: (n) => `Use at most ${n} characters.`,
    characterClasses: (n) => `Use at least ${n} of: lowercase, uppercase, digits, symbols.`,
    nameParts: 'Do not use your user name or parts of your name.',
    common: 'This password is too common. Choose one that is harder to guess.',
    banned: 'It contains a word your organisation does not allow.',
    history: (n) => `You used this password recently. Choose one different from your last ${n}.`,
    sameAsCurrent: 'The new password must differ from the current one.',
    whitespace: 'The password cannot start or end with a space.',
    directory: 'The directory refused this password.',
    tooYoung: 'Your password was changed too recently to change it again.',
    directoryQuality: "The directory's password quality check refused this password. Choose a different one.",
    complexity: 'Use at least 3 of: uppercase letters, lowercase letters, digits, symbols; and do not use your account name or full name.',
    changeNotAllowed: 'The directory does not let you change this password yourself. Contact your administrator.',
    currentPassword: 'The current password is not correct.',
    accountLocked: 'The account is locked in the directory. Reset your password to unlock it.',
    accountDisabled: 'The account is disabled. Contact your administrator.',
    accountGone: 'The account no longer exists.',
  },
  ja: {
    minLength: (n) => `${n} 文字以上にしてください。`,
    maxLength: (n) => `${n} 文字以下にしてください。`,
    characterClasses: (n) => `英小文字・英大文字・数字・記号のうち ${n} 種類以上を使ってください。`,
    nameParts: 'ユーザー名や氏名の一部は使えません。',
    common: 'よく使われているパスワードです。推測されにくいものにしてください。',
    banned: '組織で使用が禁止されている語が含まれています。',
    history: (n) => `最近使ったパスワードです。過去 ${n} 回とは違うものにしてください。`,
    sameAsCurrent: '新しいパスワードは現在のものと違うものにしてください。',
    whitespace: '先頭と末尾に空白は使えません。',
    directory: 'ディレクトリがこのパスワードを受け付けませんでした。',
    tooYoung: 'パスワードを変更してから間もないため、まだ変更できません。',
    directoryQuality: 'ディレクトリのパスワード品質チェックで拒否されました。別のパスワードにしてください。',
    complexity: '英大文字・英小文字・数字・記号のうち 3 種類以上を使い、アカウント名や氏名を含めないでください。',
    changeNotAllowed: 'このパスワードはご自身では変更できません。管理者に連絡してください。',
    currentPassword: '現在のパスワードが正しくありません。',
    accountLocked: 'ディレクトリでアカウントがロックされています。パスワードをリセットするとロックが解除されます。',
    accountDisabled: 'このアカウントは無効になっています。管理者に連絡してください。',
    accountGone: 'このアカウントは存在しません。',
  },
};

export function pickLocale(acceptLanguage: string | undefined | null, fallback: Locale = 'en'): Locale {
  if (!acceptLanguage) return fallback;
  for (const part of acceptLanguage.split(',')) {
    const tag = part.trim().slice(0, 2).toLowerCase();
    if (tag === 'ja' || tag === 'en') return tag;
  }
  return fallback;
}
