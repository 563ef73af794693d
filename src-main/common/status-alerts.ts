/**
 * R16 expiry warnings and R5/R6 registration nudges from one `/me/status` (fresh or cached):
 * which banner to show now, and whether a native notification is due. Pure: `now` is
 * passed in, so a status cached days ago still gives the right warning offline (days are
 * recomputed from `expiresAt`, not read from the stale `daysUntilExpiry`).
 */
import type { MeStatus } from '../../shared/api/me.js';
import type { ExpiryWarning, RegistrationNudge } from '../../shared/ipc/contract.js';
import { warningStep } from '../../shared/rules/expiry.js';

const DAY_MS = 86_400_000;
/** In `notifiedThresholds`: the "must change now" notification. */
const MUST_CHANGE_MARK = 0;

/** What was already shown natively, kept in the keychain cache so a restart does not repeat it. */
export interface AlertMemory {
  /** The expiry the marks belong to: a changed password (new expiry) starts afresh. */
  expiresAt: string | null;
  notifiedThresholds: number[];
  /** `register`, or `reconfirm:<dueAt>`. */
  nudged: string[];
}

export const EMPTY_ALERT_MEMORY: AlertMemory = { expiresAt: null, notifiedThresholds: [], nudged: [] };

interface StatusAlerts {
  expiry: ExpiryWarning | null;
  /** Show a native notification for `expiry` (first time at this threshold). */
  notifyExpiry: boolean;
  nudge: RegistrationNudge | null;
  notifyNudge: boolean;
  memory: AlertMemory;
}

function daysUntil(expiresAt: Date, now: Date): number {
  return Math.max(0, Math.ceil((expiresAt.getTime() - now.getTime()) / DAY_MS));
}

export function evaluateStatus(
  status: MeStatus,
  stale: boolean,
  memory: AlertMemory,
  now: Date,
  warningDaysOverride: readonly number[] | null,
): StatusAlerts {
  const expiry = evaluateExpiry(status, stale, memory, now, warningDaysOverride);
  const nudge = evaluateNudge(status, stale, memory.nudged, now);
  return {
    expiry: expiry.warning,
    notifyExpiry: expiry.notify,
    nudge: nudge.nudge,
    notifyNudge: nudge.notify,
    memory: { expiresAt: status.password.expiresAt, notifiedThresholds: expiry.notified, nudged: nudge.nudged },
  };
}

function evaluateExpiry(status: MeStatus, stale: boolean, memory: AlertMemory, now: Date, override: readonly number[] | null) {
  const { expiresAt } = status.password;
  const expiry = expiresAt ? new Date(expiresAt) : null;
  const mustChange = status.password.mustChange || (expiry !== null && expiry.getTime() <= now.getTime());
  let notified = memory.expiresAt === expiresAt ? [...memory.notifiedThresholds] : [];
  if (!mustChange) notified = notified.filter((t) => t !== MUST_CHANGE_MARK);
  const days = expiry ? daysUntil(expiry, now) : null;

  if (mustChange) {
    const notify = !notified.includes(MUST_CHANGE_MARK);
    if (notify) notified.push(MUST_CHANGE_MARK);
    return { warning: { daysUntilExpiry: days, expiresAt, mustChange: true, threshold: null, stale }, notify, notified };
  }
  // A password that never expires never warns.
  if (expiry === null) return { warning: null, notify: false, notified: [] };
  const thresholds = override ?? status.password.warningDays;
  const step = warningStep(days, thresholds);
  if (step === null) return { warning: null, notify: false, notified };
  const notify = !notified.includes(step);
  // Passing a threshold also covers the larger ones: after a week offline, 14 is not shown late.
  for (const t of thresholds) if (t >= step && !notified.includes(t)) notified.push(t);
  return { warning: { daysUntilExpiry: days, expiresAt, mustChange: false, threshold: step, stale }, notify, notified: notified.sort((a, b) => b - a) };
}

function evaluateNudge(status: MeStatus, stale: boolean, nudged: readonly string[], now: Date) {
  const reg = status.registration;
  const base = { required: reg.required, methods: reg.methods, reconfirmDueAt: reg.reconfirmDueAt, stale };
  if (!status.inScope) return { nudge: null, notify: false, nudged: [] as string[] };
  if (reg.mustRegister) {
    const notify = !nudged.includes('register');
    return { nudge: { kind: 'register' as const, ...base }, notify, nudged: ['register'] };
  }
  const due = reg.reconfirmDueAt !== null && new Date(reg.reconfirmDueAt).getTime() <= now.getTime();
  if (reg.registered && (reg.mustReconfirm || due)) {
    const key = `reconfirm:${reg.reconfirmDueAt ?? ''}`;
    const notify = !nudged.includes(key);
    return { nudge: { kind: 'reconfirm' as const, ...base }, notify, nudged: [key] };
  }
  return { nudge: null, notify: false, nudged: [] as string[] };
}
