import type { ReportSummary } from '../../shared/api/audit.js';
import type { Locale } from '../../shared/api/common.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import type { Coverage, CoverageTracker } from './coverage.js';
import { startPeriodic, type PeriodicJob } from './periodic.js';
import type { ActivitySummary } from './summary.js';
import type { Clock } from '../clock.js';
import type { DigestClaims } from '../store/digest-claims.js';
import type { Directory } from '../directory/directory.js';
import type { Log } from '../log.js';
import type { Mailer } from '../notify/mailer.js';
import type { PolicyStore } from '../store/policy-store.js';

interface DigestDependencies {
  clock: Clock;
  digestClaims: Pick<DigestClaims, 'claim' | 'prune'>;
  directory: Directory;
  log: Log;
  mailer: Mailer;
  policyStore: PolicyStore;
  activitySummary: ActivitySummary;
  coverage: CoverageTracker;
  /** The language of the digest (the server's default locale). */
  locale: Locale;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const CLAIM_PREFIX = 'digest:';

/**
 * The 24 hours the latest due digest covers: up to the most recent `hourUtc` at or before
 * `now`. Its key (the end's date) names it, so each digest is sent once. Pure.
 */
export function digestWindow(now: Date, hourUtc: number): { from: Date; to: Date; key: string } {
  const todayAt = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hourUtc);
  const to = todayAt <= now.getTime() ? todayAt : todayAt - DAY_MS;
  return { from: new Date(to - DAY_MS), to: new Date(to), key: `${CLAIM_PREFIX}${new Date(to).toISOString().slice(0, 13)}` };
}

const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

/** R20: the digest's localised, branded text. Pure. */
export function composeDigest(
  summary: Omit<ReportSummary, 'registration'>,
  coverage: Coverage | null,
  window: { from: Date; to: Date },
  branding: PolicyDocument['branding'],
  locale: Locale,
): { subject: string; text: string } {
  const ja = locale === 'ja';
  const org = branding.organizationName || (ja ? 'IT 部門' : 'IT');
  const span = `${window.from.toISOString().slice(0, 16).replace('T', ' ')} – ${window.to.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  const r = summary.resets;
  const lines = ja
    ? [
        `セルフサービス パスワード リセットの日次レポート（${span}）`,
        '',
        `リセット開始: ${r.started}　成功: ${r.succeeded}　成功率: ${pct(r.successRate)}`,
        `ロックアウト: ${summary.lockouts}`,
        `使われた認証方法: ${summary.methods.map((m) => `${m.method} ${m.succeeded}/${m.verifications}`).join(', ') || 'なし'}`,
        coverage ? `登録率: ${pct(coverage.coverage)}（対象 ${coverage.inScope} 人中 ${coverage.registered} 人）` : '登録率: このディレクトリでは算出できません',
        '',
        '主な失敗理由:',
        ...(summary.topFailureReasons.length ? summary.topFailureReasons.slice(0, 5).map((f) => `  ${f.type} ${f.reason}: ${f.count}`) : ['  なし']),
      ]
    : [
        `Self-service password reset, daily report (${span})`,
        '',
        `Resets started: ${r.started}   succeeded: ${r.succeeded}   success rate: ${pct(r.successRate)}`,
        `Lockouts: ${summary.lockouts}`,
        `Methods used: ${summary.methods.map((m) => `${m.method} ${m.succeeded}/${m.verifications}`).join(', ') || 'none'}`,
        coverage ? `Registration coverage: ${pct(coverage.coverage)} (${coverage.registered} of ${coverage.inScope} users in scope)` : 'Registration coverage: not available for this directory',
        '',
        'Top failure reasons:',
        ...(summary.topFailureReasons.length ? summary.topFailureReasons.slice(0, 5).map((f) => `  ${f.type} ${f.reason}: ${f.count}`) : ['  none']),
      ];
  return { subject: ja ? `[${org}] パスワード リセット日次レポート` : `[${org}] Password reset daily report`, text: [...lines, '', org].join('\n') };
}

/**
 * Sends the digest that is due, if the policy asks for one and no instance has sent it yet:
 * the claim is a row in `settings`, so several servers behind a load balancer send it once.
 * Returns how many administrators it went to (0 when off, not due, or already sent).
 */
export async function sendDueDigest(deps: DigestDependencies): Promise<number> {
  const policy = await deps.policyStore.get();
  const digest = policy.adminDigest;
  if (!digest?.enabled) return 0;
  const now = deps.clock.now();
  const window = digestWindow(now, digest.hourUtc);
  // A digest older than a day is not worth sending late (the server was down); skip it.
  if (now.getTime() - window.to.getTime() > DAY_MS - HOUR_MS) return 0;
  if (!(await deps.digestClaims.claim(window.key, now))) return 0;
  // Claims of digests more than a year old are of no use any more.
  await deps.digestClaims.prune(CLAIM_PREFIX, now.getTime() - 366 * DAY_MS);
  const [summary, coverage] = await Promise.all([deps.activitySummary.summary({ from: window.from, to: window.to, tzOffsetMinutes: 0 }), deps.coverage.current()]);
  const { subject, text } = composeDigest(summary, coverage, window, policy.branding, deps.locale);
  let sent = 0;
  for (const admin of await deps.directory.listAdmins()) {
    if (!admin.email) continue;
    try {
      await deps.mailer.send({ to: admin.email, subject, text });
      sent++;
    } catch (e) {
      deps.log.warn({ err: (e as Error).message }, 'admin digest not sent');
    }
  }
  return sent;
}

export type AdminDigestTimer = PeriodicJob<number>;

/** Checks every hour whether a digest is due (one policy read when it is off). */
export function startAdminDigest(deps: DigestDependencies, timing: { firstRunMs: number; intervalMs: number } = { firstRunMs: 60_000, intervalMs: HOUR_MS }): AdminDigestTimer {
  return startPeriodic(() => sendDueDigest(deps), timing, deps.log, 'admin digest', (n) => n > 0 && deps.log.info({ admins: n }, 'admin digest sent'));
}
