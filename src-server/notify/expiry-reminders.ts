import type { Locale } from '../../shared/api/common.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { warningStep } from '../../shared/rules/expiry.js';
import type { Clock } from '../clock.js';
import type { Directory, ExpiringAccount } from '../directory/directory.js';
import type { ReminderClaims } from '../store/reminder-claims.js';
import type { Mailer } from './mailer.js';

const DAY_MS = 86_400_000;
/** Accounts per directory page: bounded memory whatever the directory's size. */
export const REMINDER_PAGE_SIZE = 500;
const SEND_CONCURRENCY = 8;

export interface ExpiryReminderDeps {
  policy: () => Promise<PolicyDocument>;
  directory: Pick<Directory, 'forEachExpiring'>;
  claims: ReminderClaims;
  mailer: Mailer;
  clock: Clock;
  /** For users whose language the directory does not record: the deployment's default. */
  locale: Locale;
  log: { warn(details: Record<string, unknown>, message: string): void };
}

export interface ReminderRun {
  /** Accounts the directory returned inside the widest threshold. */
  scanned: number;
  sent: number;
}

/** R16 / R36: whole days left, rounded up, as the app counts them. Pure. */
function daysLeft(expiresAt: Date, now: Date): number {
  return Math.max(0, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS));
}

/** R20, R36: the reminder's localised, branded text, with how to change the password. Pure. */
export function composeReminder(account: Pick<ExpiringAccount, 'displayName' | 'username' | 'expiresAt'>, days: number, branding: PolicyDocument['branding'], locale: Locale): { subject: string; text: string } {
  const ja = locale === 'ja';
  const org = branding.organizationName || (ja ? 'IT 部門' : 'IT');
  const when = account.expiresAt.toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  const contact = branding.contactAdmin;
  const lines = ja
    ? [
        `${account.displayName} 様`,
        '',
        `アカウント「${account.username}」のパスワードはあと ${days} 日（${when}）で有効期限が切れます。`,
        '',
        '変更のしかた:',
        '  ・パスワード リセット アプリを開き、「パスワードの変更」を選んで、現在のパスワードと新しいパスワードを入力します。',
        '  ・いつもどおりサインインし、パソコンの「パスワードの変更」からも変更できます。',
        '  ・現在のパスワードを忘れた場合は、アプリの「パスワードを忘れた場合」からリセットできます。',
        '',
        'このメールに返信しないでください。パスワードをメールで尋ねることはありません。',
        ...(contact ? [`お問い合わせ: ${contact}`] : []),
      ]
    : [
        `Dear ${account.displayName},`,
        '',
        `The password of your account "${account.username}" expires in ${days} day${days === 1 ? '' : 's'} (${when}).`,
        '',
        'How to change it:',
        '  - Open the password reset app, choose "Change password", and enter your current and a new password.',
        '  - Or sign in as usual and use your computer\'s "Change a password".',
        '  - Forgot the current one? Choose "Forgot password" in the app to reset it.',
        '',
        'Do not reply to this email. We never ask for your password by email.',
        ...(contact ? [`Questions: ${contact}`] : []),
      ];
  const subject = ja ? `[${org}] パスワードの有効期限まであと ${days} 日です` : `[${org}] Your password expires in ${days} day${days === 1 ? '' : 's'}`;
  return { subject, text: [...lines, '', org].join('\n') };
}

async function remind(deps: ExpiryReminderDeps, account: ExpiringAccount, now: Date, thresholds: readonly number[], branding: PolicyDocument['branding']): Promise<boolean> {
  const days = daysLeft(account.expiresAt, now);
  const threshold = warningStep(days, thresholds);
  if (!account.email || threshold === null) return false;
  if (!(await deps.claims.claim(account.id, account.expiresAt, threshold, now))) return false;
  try {
    await deps.mailer.send({ to: account.email, ...composeReminder(account, days, branding, account.locale ?? deps.locale) });
    return true;
  } catch (e) {
    await deps.claims.release(account.id, account.expiresAt, threshold);
    deps.log.warn({ err: (e as Error).message }, 'expiry reminder not sent');
    return false;
  }
}

/**
 * R36: one email per account per threshold (the policy's expiryWarningDays, R16): each due
 * reminder is claimed in the store before it is sent, so several instances send it once, and
 * a later threshold is sent even when an earlier one was missed. Off unless the policy says so.
 */
export async function sendExpiryReminders(deps: ExpiryReminderDeps): Promise<ReminderRun> {
  const policy = await deps.policy();
  const run: ReminderRun = { scanned: 0, sent: 0 };
  const thresholds = policy.password.expiryWarningDays;
  if (!policy.expiryReminders?.enabled || thresholds.length === 0) return run;
  const now = deps.clock.now();
  const window = { from: now, to: new Date(now.getTime() + Math.max(...thresholds) * DAY_MS), maxAgeDays: policy.password.maxAgeDays };
  await deps.directory.forEachExpiring(window, REMINDER_PAGE_SIZE, async (accounts) => {
    run.scanned += accounts.length;
    // A few at once: the relay's pooled connections, not one round trip after another.
    for (let i = 0; i < accounts.length; i += SEND_CONCURRENCY) {
      const sent = await Promise.all(accounts.slice(i, i + SEND_CONCURRENCY).map((a) => remind(deps, a, now, thresholds, policy.branding)));
      run.sent += sent.filter(Boolean).length;
    }
  });
  await deps.claims.prune(new Date(now.getTime() - 30 * DAY_MS));
  return run;
}
