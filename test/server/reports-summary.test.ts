import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src-server/audit/audit-log.js';
import type { BuiltinDirectory } from '../../src-server/directory/builtin-directory.js';
import { AuditEventStore } from '../../src-server/store/audit-event-store.js';
import { startPostgres, type PostgresPeer } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
const admin = () => ({ token: t.adminToken });

async function eventAt(at: string, e: Partial<AuditEntry> & Pick<AuditEntry, 'type'>): Promise<void> {
  t.clock.set(at);
  await t.server.services.audit.write(t.server.services.db, { user: 'u', result: 'success', ...e });
}

async function giveMethod(userId: string, type: 'email' | 'mobilePhone', value: string): Promise<void> {
  const data = type === 'email' ? { address: value } : { number: value };
  await t.server.services.methods.insert(t.server.services.db, { subjectId: userId, type, source: 'admin', verified: true, hint: '•••', data } as any);
}

describe.each(['sqlite', 'postgres'] as const)('dashboard summary (R17b) on %s', (store) => {
  let pg: PostgresPeer | undefined;
  beforeAll(async () => {
    if (store === 'postgres') pg = await startPostgres();
    t = await startTestServer({ startAt: '2026-03-10T00:00:00Z', env: pg ? { SSPR_DATABASE_URL: pg.url } : {} });
    // Day 1 (UTC): two resets started, one succeeds; a wrong code and a right one.
    await eventAt('2026-03-10T08:00:00Z', { type: 'reset.started' });
    await eventAt('2026-03-10T08:00:10Z', { type: 'reset.verify', method: 'email' });
    await eventAt('2026-03-10T08:00:20Z', { type: 'reset.password' });
    await eventAt('2026-03-10T09:00:00Z', { type: 'reset.started' });
    await eventAt('2026-03-10T09:00:10Z', { type: 'reset.verify', method: 'mobilePhone', result: 'failure', detail: { reason: 'invalidCode' } });
    // Day 1, 20:00 UTC = day 2 in Tokyo.
    await eventAt('2026-03-10T20:00:00Z', { type: 'reset.started' });
    await eventAt('2026-03-10T20:00:10Z', { type: 'reset.verify', method: 'mobilePhone', result: 'failure', detail: { reason: 'invalidCode' } });
    await eventAt('2026-03-10T20:00:20Z', { type: 'reset.lockout', result: 'locked', detail: { reason: 'R11a' } });
    // Day 3: nothing on day 2 UTC; a password refusal.
    await eventAt('2026-03-12T10:00:00Z', { type: 'reset.started' });
    await eventAt('2026-03-12T10:00:05Z', { type: 'reset.verify', method: 'authenticatorCode' });
    await eventAt('2026-03-12T10:00:10Z', { type: 'reset.password', result: 'failure', detail: { reason: 'passwordPolicy' } });
    await eventAt('2026-03-12T10:00:20Z', { type: 'reset.password' });
    // Outside the range and other categories do not count.
    await eventAt('2026-02-01T00:00:00Z', { type: 'reset.started' });
    await eventAt('2026-03-11T00:00:00Z', { type: 'admin.policy', result: 'failure', detail: { reason: 'invalid' } });
    await eventAt('2026-03-11T00:00:00Z', { type: 'registration.add', result: 'failure', detail: { reason: 'invalidCode' } });

    // Directory: 3 in-scope users of whom 2 are registered; one disabled; one admin with 1 method (R10 needs 2).
    const a = await t.addUser({ username: 'reg-email' });
    await giveMethod(a.id, 'email', 'a.home@example.net');
    const b = await t.addUser({ username: 'reg-phone' });
    await giveMethod(b.id, 'mobilePhone', '+81 9012345678');
    await t.addUser({ username: 'unregistered' });
    const off = await t.addUser({ username: 'gone' });
    await (t.server.services.directory as BuiltinDirectory).updateUser(off.id, { disabled: true });
    const boss = await t.addUser({ username: 'boss', isAdmin: true });
    await giveMethod(boss.id, 'email', 'boss.home@example.net');
    t.clock.set('2026-03-13T00:00:00Z');
  });
  afterAll(async () => {
    await t?.close();
    pg?.stop();
  });

  it('R17b: resets per day (zeros included), success rate, methods, lockouts and top failure reasons', async () => {
    const r = await t.api('GET', '/admin/reports/summary?from=2026-03-10T00:00:00Z&to=2026-03-13T00:00:00Z', admin());
    expect(r.status).toBe(200);
    expect(r.body.resetsPerDay).toEqual([
      { day: '2026-03-10', started: 3, succeeded: 1, lockouts: 1 },
      { day: '2026-03-11', started: 0, succeeded: 0, lockouts: 0 },
      { day: '2026-03-12', started: 1, succeeded: 1, lockouts: 0 },
    ]);
    expect(r.body.resets).toEqual({ started: 4, succeeded: 2, successRate: 0.5 });
    expect(r.body.lockouts).toBe(1);
    expect(r.body.methods[0]).toEqual({ method: 'mobilePhone', verifications: 2, succeeded: 0 });
    expect(r.body.methods).toHaveLength(3);
    expect(r.body.methods).toContainEqual({ method: 'authenticatorCode', verifications: 1, succeeded: 1 });
    expect(r.body.methods).toContainEqual({ method: 'email', verifications: 1, succeeded: 1 });
    expect(r.body.topFailureReasons[0]).toEqual({ type: 'reset.verify', reason: 'invalidCode', count: 2 });
    expect(r.body.topFailureReasons).toContainEqual({ type: 'reset.lockout', reason: 'R11a', count: 1 });
    expect(r.body.topFailureReasons).toContainEqual({ type: 'reset.password', reason: 'passwordPolicy', count: 1 });
    expect(r.body.topFailureReasons.some((f: any) => f.type.startsWith('admin.') || f.type.startsWith('registration.'))).toBe(false);
  });

  it('R17b: days follow the viewer\'s time zone', async () => {
    const r = await t.api('GET', '/admin/reports/summary?from=2026-03-10T00:00:00%2B09:00&to=2026-03-13T00:00:00%2B09:00&tzOffsetMinutes=540', admin());
    expect(r.body.resetsPerDay).toEqual([
      { day: '2026-03-10', started: 2, succeeded: 1, lockouts: 0 },
      { day: '2026-03-11', started: 1, succeeded: 0, lockouts: 1 },
      { day: '2026-03-12', started: 1, succeeded: 1, lockouts: 0 },
    ]);
  });

  it('R4/R10/R1: registration coverage counts enabled in-scope users holding the methods they need', async () => {
    const r = await t.api('GET', '/admin/reports/summary', admin());
    expect(r.body.registration).toEqual({ inScope: 4, registered: 2, coverage: 0.5 });
    // R1: narrowing the scope to a group narrows coverage (admins always stay in scope, R10).
    await t.setPolicy((p) => {
      p.sspr.scope = { mode: 'selected', groups: ['pilot'] };
    });
    const dir = t.server.services.directory as BuiltinDirectory;
    const regPhone = await dir.findUser('reg-phone');
    await dir.addMember('pilot', regPhone!.id);
    const narrowed = await t.api('GET', '/admin/reports/summary', admin());
    expect(narrowed.body.registration).toEqual({ inScope: 2, registered: 1, coverage: 0.5 });
    await t.setPolicy((p) => {
      p.sspr.scope = { mode: 'none', groups: [] };
      p.sspr.methodsRequired = 1;
    });
    expect((await t.api('GET', '/admin/reports/summary', admin())).body.registration).toEqual({ inScope: 1, registered: 0, coverage: 0 });
  });

  it('R4/R17b: coverage follows every audited change at once (methods set on a user\'s behalf, a disabled account)', async () => {
    await t.setPolicy((p) => {
      p.sspr.scope = { mode: 'all', groups: [] };
    });
    const coverage = async () => (await t.api('GET', '/admin/reports/summary', admin())).body.registration;
    expect(await coverage()).toEqual({ inScope: 4, registered: 2, coverage: 0.5 });
    expect(await coverage()).toEqual({ inScope: 4, registered: 2, coverage: 0.5 });
    expect((await t.api('PUT', '/admin/users/unregistered/methods', { ...admin(), body: { mobilePhone: '+81 9011112222' } })).status).toBe(200);
    expect(await coverage()).toEqual({ inScope: 4, registered: 3, coverage: 0.75 });
    expect((await t.api('PATCH', '/admin/users/reg-email', { ...admin(), body: { disabled: true } })).status).toBe(200);
    expect(await coverage()).toEqual({ inScope: 3, registered: 2, coverage: 2 / 3 });
  });

  it('R17b: the default window is the last 30 days; a reversed range is a 400', async () => {
    const r = await t.api('GET', '/admin/reports/summary', admin());
    expect(r.body.to).toBe('2026-03-13T00:00:00.000Z');
    expect(r.body.from).toBe('2026-02-11T00:00:00.000Z');
    expect(r.body.resetsPerDay).toHaveLength(30);
    expect(r.body.resets.started).toBe(4);
    const bad = await t.api('GET', '/admin/reports/summary?from=2026-03-12T00:00:00Z&to=2026-03-10T00:00:00Z', admin());
    expect(bad.status).toBe(400);
    expect((await t.api('GET', '/admin/reports/summary?tzOffsetMinutes=99999', admin())).status).toBe(400);
  });

  it('R17b: finished days are cached, yet a new event shows at once and purged days are never served from the cache', async () => {
    const q = '/admin/reports/summary?from=2026-03-10T00:00:00Z&to=2026-03-14T00:00:00Z';
    const before = (await t.api('GET', q, admin())).body;
    expect(before.resetsPerDay.map((d: any) => d.started)).toEqual([3, 0, 1, 0]);
    await eventAt('2026-03-13T08:00:00Z', { type: 'reset.started' });
    t.clock.set('2026-03-13T09:00:00Z');
    expect((await t.api('GET', q, admin())).body.resetsPerDay.map((d: any) => d.started)).toEqual([3, 0, 1, 1]);
    // The retention purge takes 2026-03-10 (and older) away: the cached day must not come back.
    await new AuditEventStore(t.server.services.store).purgeBefore(new Date('2026-03-11T00:00:00Z'));
    const after = (await t.api('GET', q, admin())).body;
    expect(after.resetsPerDay.map((d: any) => d.started)).toEqual([0, 0, 1, 1]);
    expect(after.methods).toEqual([{ method: 'authenticatorCode', verifications: 1, succeeded: 1 }]);
  });

  it('R17b: a range covers every local day it touches, no more', async () => {
    const days = async (q: string) => (await t.api('GET', `/admin/reports/summary?${q}`, admin())).body.resetsPerDay.map((d: any) => d.day);
    expect(await days('from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z')).toEqual(['2026-01-01']);
    expect(await days('from=2026-01-01T23:00:00Z&to=2026-01-02T01:00:00Z')).toEqual(['2026-01-01', '2026-01-02']);
    expect(await days('from=2026-01-01T23:00:00Z&to=2026-01-02T00:00:00Z&tzOffsetMinutes=-60')).toEqual(['2026-01-01']);
  });
});
