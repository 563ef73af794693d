import type { PhoneChannel, ResetMethodType } from '../../shared/api/common.js';
import type { ResetMethod } from '../../shared/api/reset.js';
import { ApiFailure } from '../api.js';

/** One way to pass a gate as offered on screen: a method, and for a mobile phone the channel. */
export interface Choice {
  key: string;
  method: ResetMethod;
  channel?: PhoneChannel;
}

/** A mobile phone is two choices (text or call), an office phone a call; the rest one each. Never questions or a pass (R10, R31). */
export function choicesFor(methods: ResetMethod[], passed: string[]): Choice[] {
  return methods
    .filter((m) => !passed.includes(m.id) && m.type !== 'securityQuestions' && m.type !== 'accessPass')
    .flatMap((m): Choice[] => {
      if (m.type === 'mobilePhone') return [{ key: `${m.id}:sms`, method: m, channel: 'sms' }, { key: `${m.id}:voice`, method: m, channel: 'voice' }];
      if (m.type === 'officePhone') return [{ key: `${m.id}:voice`, method: m, channel: 'voice' }];
      return [{ key: m.id, method: m }];
    });
}

const LABELS: Record<ResetMethodType, string> = {
  email: 'Email a code to',
  mobilePhone: 'Text a code to',
  officePhone: 'Call',
  authenticatorCode: 'Authenticator app code',
  authenticatorPush: 'Approve a notification on',
  securityQuestions: 'Security questions',
  accessPass: 'Temporary Access Pass',
};

export function choiceLabel({ method, channel }: Choice): string {
  if (method.type === 'mobilePhone' && channel === 'voice') return `Call ${method.hint}`;
  if (method.type === 'authenticatorCode') {
    // The hint is the app's label, often just "Authenticator app": not said twice.
    const named = method.hint && !/^authenticator( app)?$/i.test(method.hint.trim());
    return named ? `${LABELS.authenticatorCode} (${method.hint})` : LABELS.authenticatorCode;
  }
  return `${LABELS[method.type]} ${method.hint}`;
}

/** The browser's language where the console has words for it (R41's status); English otherwise. */
type ConsoleLocale = 'en' | 'ja';
export const browserLocale = (): ConsoleLocale => (navigator.language.toLowerCase().startsWith('ja') ? 'ja' : 'en');

/** What the sign-in says while the browser solves the server's proof-of-work (R41), in both languages. */
export const PROOF_OF_WORK_TEXT: Record<ConsoleLocale, { label: string; text: string; failed: string }> = {
  en: {
    label: 'Checking this browser',
    text: 'The server asks this browser for a short check before it looks at the password. It takes a second or two; there is nothing to do.',
    failed: 'The browser check did not finish. Sign in again.',
  },
  ja: {
    label: 'このブラウザーを確認しています',
    text: 'パスワードを確認する前に、サーバーがこのブラウザーに短い確認を求めています。1〜2 秒で終わります。操作は必要ありません。',
    failed: 'ブラウザーの確認が完了しませんでした。もう一度サインインしてください。',
  },
};

function minutes(seconds: number | undefined): string {
  if (seconds === undefined) return 'later';
  const m = Math.max(1, Math.ceil(seconds / 60));
  return `in ${m} minute${m === 1 ? '' : 's'}`;
}

/** A failed step as the administrator reads it; the server's own words where ours would say less. */
export function failureText(err: unknown): string {
  if (!(err instanceof ApiFailure)) return `The server did not answer: ${(err as Error).message}`;
  switch (err.code) {
    case 'unauthorized':
      return 'The user name or password is not correct, or the account is not an administrator.';
    case 'invalid_code': {
      const left = err.attemptsRemaining;
      return left === undefined ? 'That code is not correct.' : `That code is not correct. ${left} attempt${left === 1 ? '' : 's'} left.`;
    }
    case 'challenge_expired':
      return 'This code has expired. Choose a method to get a new one.';
    case 'session_expired':
      return 'This sign-in took too long and has ended. Start again.';
    case 'locked_out':
      return `Too many attempts: sign-in is locked for this account. Try again ${minutes(err.retryAfterSeconds)}.`;
    case 'rate_limited':
      return `Too many requests. Try again ${minutes(err.retryAfterSeconds)}.`;
    case 'proof_of_work_required':
      return PROOF_OF_WORK_TEXT[browserLocale()].failed;
    default:
      return err.message;
  }
}
