import { describe, expect, it } from 'vitest';
import type { MeStatus } from '../../shared/api/me.js';
import type { StatusView } from '../../shared/ipc/contract.js';
import { EMPTY_ALERT_MEMORY, evaluateStatus, type AlertMemory } from '../../src-main/common/status-alerts.js';
import { StatusMonitor } from '../../src-main/common/status-monitor.js';
import type { NativeNotification } from '../../src-main/common/notification-text.js';
import { ManualTime } from '../helpers/manual-time.js';

const DAY = 86_400_000;
const T0 = '2026-03-01T09:00:00.000Z';

function status(over: { expiresInDays?: number | null; mustChange?: boolean; warningDays?: number[]; registered?: boolean; mustRegister?: boolean; reconfirmDueAt?: string | null; mustReconfirm?: boolean; inScope?: boolean; checkedAt?: string } = {}): MeStatus {
  const now = new Date(over.checkedAt ?? T0).getTime();
  const days = over.expiresInDays === undefined ? 30 : over.expiresInDays;
  return {
    password: {
      lastChangedAt: new Date(now - 60 * DAY).toISOString(),
      expiresAt: days === null ? null : new Date(now + days * DAY).toISOString(),
      daysUntilExpiry: days,
      warn: false,
      mustChange: over.mustChange ?? false,
      warningDays: over.warningDays ?? [14, 7, 3, 1],
    },
    registration: {
      registered: over.registered ?? true,
      required: 1,
      methods: ['email'],
      mustRegister: over.mustRegister ?? false,
      reconfirmDueAt: over.reconfirmDueAt === undefined ? new Date(now + 100 * DAY).toISOString() : over.reconfirmDueAt,
      mustReconfirm: over.mustReconfirm ?? false,
    },
    inScope: over.inScope ?? true,
    checkedAt: new Date(now).toISOString(),
  };
}

/** The monitor driven by a manual clock over a status that stays as cached (offline) or fresh. */
function monitor(source: () => StatusView | null, options: { warningDays?: number[] | null; start?: string } = {}) {
  const time = new ManualTime(options.start ?? T0);
  let memory: AlertMemory = EMPTY_ALERT_MEMORY;
  const notifications: NativeNotification[] = [];
  const events: { event: string; payload: any }[] = [];
  const m = new StatusMonitor({
    clock: time,
    timers: time,
    intervalMs: 4 * 3_600_000,
    readStatus: async () => source(),
    loadMemory: async () => memory,
    saveMemory: async (next) => {
      memory = next;
    },
    warningDays: () => options.warningDays ?? null,
    locale: () => 'en',
    notify: (n) => notifications.push(n),
    events: { emit: (event, payload) => events.push({ event, payload }) },
  });
  return { time, m, notifications, events, memory: () => memory };
}

describe('R16 expiry warnings (pure evaluation)', () => {
  const now = new Date(T0);
  it('R16: no warning before the first threshold; warns at 14 with the day count', () => {
    expect(evaluateStatus(status({ expiresInDays: 15 }), false, EMPTY_ALERT_MEMORY, now, null).expiry).toBeNull();
    const a = evaluateStatus(status({ expiresInDays: 14 }), false, EMPTY_ALERT_MEMORY, now, null);
    expect(a.expiry).toMatchObject({ daysUntilExpiry: 14, threshold: 14, mustChange: false, stale: false });
    expect(a.notifyExpiry).toBe(true);
    expect(a.memory.notifiedThresholds).toEqual([14]);
    // The same threshold again: banner yes, notification no.
    const again = evaluateStatus(status({ expiresInDays: 14 }), false, a.memory, now, null);
    expect(again.expiry?.threshold).toBe(14);
    expect(again.notifyExpiry).toBe(false);
  });

  it('R16: a password that never expires never warns', () => {
    const a = evaluateStatus(status({ expiresInDays: null }), false, EMPTY_ALERT_MEMORY, now, null);
    expect(a.expiry).toBeNull();
    expect(a.notifyExpiry).toBe(false);
  });

  it('R15 / R16: mustChange warns now, whatever the thresholds, once', () => {
    const a = evaluateStatus(status({ expiresInDays: 60, mustChange: true }), false, EMPTY_ALERT_MEMORY, now, null);
    expect(a.expiry).toMatchObject({ mustChange: true, threshold: null });
    expect(a.notifyExpiry).toBe(true);
    expect(evaluateStatus(status({ expiresInDays: 60, mustChange: true }), false, a.memory, now, null).notifyExpiry).toBe(false);
    // Never-expiring but flagged by an administrator: still must change.
    expect(evaluateStatus(status({ expiresInDays: null, mustChange: true }), false, EMPTY_ALERT_MEMORY, now, null).expiry?.mustChange).toBe(true);
  });

  it('R16: days are recomputed from expiresAt, so a status cached days ago warns correctly', () => {
    const cached = status({ expiresInDays: 20 });
    const later = new Date(now.getTime() + 13.5 * DAY);
    const a = evaluateStatus(cached, true, EMPTY_ALERT_MEMORY, later, null);
    expect(a.expiry).toMatchObject({ daysUntilExpiry: 7, threshold: 7, stale: true });
    const expired = evaluateStatus(cached, true, EMPTY_ALERT_MEMORY, new Date(now.getTime() + 21 * DAY), null);
    expect(expired.expiry).toMatchObject({ mustChange: true, daysUntilExpiry: 0 });
  });

  it('R16: jumping past thresholds (a week offline) notifies the current one only, not the missed ones later', () => {
    const a = evaluateStatus(status({ expiresInDays: 3 }), false, EMPTY_ALERT_MEMORY, now, null);
    expect(a.expiry?.threshold).toBe(3);
    expect(a.memory.notifiedThresholds).toEqual([14, 7, 3]);
  });

  it('R16: a new expiry (the password was changed) starts the thresholds afresh', () => {
    const first = evaluateStatus(status({ expiresInDays: 7 }), false, EMPTY_ALERT_MEMORY, now, null);
    const next = status({ expiresInDays: 14 });
    next.password.expiresAt = new Date(now.getTime() + 14 * DAY - 1000).toISOString();
    const second = evaluateStatus(next, false, first.memory, now, null);
    expect(second.notifyExpiry).toBe(true);
  });

  it('R16: managed thresholds override the policy\'s', () => {
    expect(evaluateStatus(status({ expiresInDays: 20 }), false, EMPTY_ALERT_MEMORY, now, [21, 5])?.expiry?.threshold).toBe(21);
    expect(evaluateStatus(status({ expiresInDays: 14 }), false, EMPTY_ALERT_MEMORY, now, [5])?.expiry).toBeNull();
  });
});

describe('R5 / R6 registration nudges (pure evaluation)', () => {
  const now = new Date(T0);
  it('R5: not registered → register nudge, notified once', () => {
    const a = evaluateStatus(status({ registered: false, mustRegister: true }), false, EMPTY_ALERT_MEMORY, now, null);
    expect(a.nudge).toMatchObject({ kind: 'register', required: 1 });
    expect(a.notifyNudge).toBe(true);
    expect(evaluateStatus(status({ registered: false, mustRegister: true }), false, a.memory, now, null).notifyNudge).toBe(false);
  });

  it('R5: "require registration at sign-in" off → the server says mustRegister false → no nudge', () => {
    expect(evaluateStatus(status({ registered: false, mustRegister: false }), false, EMPTY_ALERT_MEMORY, now, null).nudge).toBeNull();
  });

  it('R6: reconfirmation due → reconfirm nudge; offline, the cached due date passing raises it too', () => {
    expect(evaluateStatus(status({ mustReconfirm: true, reconfirmDueAt: T0 }), false, EMPTY_ALERT_MEMORY, now, null).nudge?.kind).toBe('reconfirm');
    const cached = status({ reconfirmDueAt: new Date(now.getTime() + 2 * DAY).toISOString() });
    expect(evaluateStatus(cached, true, EMPTY_ALERT_MEMORY, now, null).nudge).toBeNull();
    const later = evaluateStatus(cached, true, EMPTY_ALERT_MEMORY, new Date(now.getTime() + 3 * DAY), null);
    expect(later.nudge).toMatchObject({ kind: 'reconfirm', stale: true });
    expect(later.notifyNudge).toBe(true);
  });

  it('R6: interval 0 (never) → no due date → never nudged; R1: out of scope → nothing', () => {
    expect(evaluateStatus(status({ reconfirmDueAt: null }), false, EMPTY_ALERT_MEMORY, new Date('2030-01-01'), null).nudge).toBeNull();
    expect(evaluateStatus(status({ registered: false, mustRegister: true, inScope: false }), false, EMPTY_ALERT_MEMORY, now, null).nudge).toBeNull();
  });
});

describe('R16 expiry scheduler (injected clock, status every 4 hours)', () => {
  it('R16: thresholds 14/7/3/1 each notify exactly once as the days pass; banner events every check', async () => {
    const s = status({ expiresInDays: 20 });
    const { time, m, notifications, events, memory } = monitor(() => ({ status: s, stale: false, checkedAt: s.checkedAt }));
    await m.start();
    expect(notifications).toHaveLength(0);
    const seen: number[] = [];
    for (let d = 1; d <= 19; d++) {
      await time.advanceDays(1);
      await m.settled();
      const last = events.filter((e) => e.event === 'expiry:warning').at(-1)?.payload;
      if (last) seen.push(last.daysUntilExpiry);
    }
    expect(notifications.map((n) => n.body)).toEqual([
      'Your password expires in 14 days. Change it now.',
      'Your password expires in 7 days. Change it now.',
      'Your password expires in 3 days. Change it now.',
      'Your password expires within a day. Change it now.',
    ]);
    expect(notifications.every((n) => n.screen === 'changePassword')).toBe(true);
    expect(memory().notifiedThresholds).toEqual([14, 7, 3, 1]);
    expect(seen.at(-1)).toBe(1);
    // Past expiry: must change now, notified once more.
    await time.advanceDays(2);
    await m.settled();
    expect(notifications.at(-1)?.title).toBe('Change your password');
    expect(notifications).toHaveLength(5);
    m.stop();
  });

  it('R16: offline (only the cached status) still warns at the right thresholds, marked stale', async () => {
    const cached = status({ expiresInDays: 9 });
    const { time, m, notifications, events } = monitor(() => ({ status: cached, stale: true, checkedAt: cached.checkedAt }));
    await m.start();
    expect(notifications.map((n) => n.body)).toEqual(['Your password expires in 9 days. Change it now.']);
    await time.advanceDays(2);
    await m.settled();
    expect(notifications).toHaveLength(2);
    expect(events.filter((e) => e.event === 'expiry:warning').at(-1)?.payload).toMatchObject({ daysUntilExpiry: 7, threshold: 7, stale: true });
    m.stop();
  });

  it('R16: never-expiring password: checks run, nothing is shown', async () => {
    const s = status({ expiresInDays: null });
    let reads = 0;
    const { time, m, notifications, events } = monitor(() => {
      reads++;
      return { status: s, stale: false, checkedAt: s.checkedAt };
    });
    await m.start();
    await time.advanceDays(3);
    await m.settled();
    expect(reads).toBe(1 + 18);
    expect(notifications).toHaveLength(0);
    expect(events.filter((e) => e.event === 'expiry:warning')).toHaveLength(0);
    m.stop();
  });

  it('R5: the register nudge shows as banner each check and as a notification once', async () => {
    const s = status({ registered: false, mustRegister: true, expiresInDays: null });
    const { time, m, notifications, events } = monitor(() => ({ status: s, stale: false, checkedAt: s.checkedAt }));
    await m.start();
    await time.advanceHours(12);
    await m.settled();
    expect(events.filter((e) => e.event === 'registration:nudge').length).toBe(4);
    expect(notifications).toEqual([expect.objectContaining({ tag: 'registration', screen: 'registration' })]);
    m.stop();
  });

  it('not signed in: nothing is read into alerts', async () => {
    const { time, m, notifications, events } = monitor(() => null);
    await m.start();
    await time.advanceDays(1);
    expect(notifications).toHaveLength(0);
    expect(events).toHaveLength(0);
    m.stop();
  });
});
