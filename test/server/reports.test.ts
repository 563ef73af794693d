import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry } from '../../src-server/audit/audit-log.js';
import { startPostgres, type PostgresPeer } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
const admin = () => ({ token: t.adminToken });

/** Writes an event through the server's real AuditLog at the manual clock's time. */
async function event(e: Partial<AuditEntry> & Pick<AuditEntry, 'type'>, minutesLater = 1): Promise<void> {
  t.clock.advanceMinutes(minutesLater);
  await t.server.services.audit.write(t.server.services.db, { user: 'alice', result: 'success', ...e });
}

/** RFC 4180 reader, independent of the server's writer, to check what a spreadsheet would see. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

/** The same reports on both stores: the SQL differs per dialect (client prefix, JSON, keyset). */
describe.each(['sqlite', 'postgres'] as const)('reports (R17a, R17b) on %s', (store) => {
  let pg: PostgresPeer | undefined;
  beforeAll(async () => {
    if (store === 'postgres') pg = await startPostgres();
    t = await startTestServer({ startAt: '2026-03-01T00:00:00Z', env: pg ? { SSPR_DATABASE_URL: pg.url } : {} });
    // A week of reset activity, one registration and one admin action.
    await event({ type: 'reset.started', user: 'alice', client: '10.0.0.5 app:kiosk-1' });
    await event({ type: 'reset.verify', user: 'alice', method: 'email', client: '10.0.0.5 app:kiosk-1' });
    await event({ type: 'reset.password', user: 'alice', client: '10.0.0.5 app:kiosk-1' });
    await event({ type: 'reset.started', user: '山田太郎', client: '10.0.0.50' });
    await event({ type: 'reset.verify', user: '山田太郎', method: 'mobilePhone', result: 'failure', detail: { reason: 'invalidCode' }, client: '10.0.0.50' });
    await event({ type: 'reset.lockout', user: '山田太郎', result: 'locked', detail: { reason: 'R11a' }, client: '10.0.0.50' });
    await event({ type: 'registration.add', user: 'bob', method: 'authenticatorCode' });
    await event({ type: 'admin.policy', user: null, actor: 'bootstrap', detail: { before: { methodsRequired: 1 }, after: { methodsRequired: 2 } } });
    // Hostile names for the CSV checks.
    await event({ type: 'reset.started', user: '=HYPERLINK("http://evil","x")', client: '10.0.0.66' });
    await event({ type: 'reset.started', user: 'comma, "quote"\nnewline', client: '10.0.0.66' });
  });
  afterAll(async () => {
    await t?.close();
    pg?.stop();
  });

  it('R17b: the activity report lists activity newest first, with every column', async () => {
    const r = await t.api('GET', '/admin/reports/activity', admin());
    expect(r.status).toBe(200);
    const types = r.body.events.map((e: any) => e.type);
    expect(types).toEqual(['reset.started', 'reset.started', 'reset.lockout', 'reset.verify', 'reset.started', 'reset.password', 'reset.verify', 'reset.started']);
    const lock = r.body.events[2];
    expect(lock).toMatchObject({ user: '山田太郎', result: 'locked', client: '10.0.0.50', detail: { reason: 'R11a' }, actor: null, method: null });
    expect(lock.time).toBe('2026-03-01T00:06:00.000Z');
    expect(r.body.nextCursor).toBeNull();
  });

  it('R17b: registration and admin reports hold only their own events; admin audit keeps actor and before/after', async () => {
    const reg = await t.api('GET', '/admin/reports/registration', admin());
    expect(reg.body.events.map((e: any) => e.type)).toEqual(['registration.add']);
    const audit = await t.api('GET', '/admin/audit', admin());
    expect(audit.body.events).toHaveLength(1);
    expect(audit.body.events[0]).toMatchObject({ type: 'admin.policy', actor: 'bootstrap', detail: { before: { methodsRequired: 1 }, after: { methodsRequired: 2 } } });
  });

  it('R17b: filters by user, exact type, type prefix, method, result, client IP and time', async () => {
    const q = async (query: string) => (await t.api('GET', `/admin/reports/activity?${query}`, admin())).body.events.map((e: any) => `${e.type}:${e.user}`);
    expect(await q(`user=${encodeURIComponent('山田太郎')}`)).toEqual(['reset.lockout:山田太郎', 'reset.verify:山田太郎', 'reset.started:山田太郎']);
    expect(await q('type=reset.verify')).toEqual(['reset.verify:山田太郎', 'reset.verify:alice']);
    expect(await q('type=reset.&user=alice')).toEqual(['reset.password:alice', 'reset.verify:alice', 'reset.started:alice']);
    expect(await q('method=email')).toEqual(['reset.verify:alice']);
    expect(await q('result=locked')).toEqual(['reset.lockout:山田太郎']);
    // The IP alone matches `10.0.0.5 app:kiosk-1` but not 10.0.0.50.
    expect(await q('client=10.0.0.5&sort=asc')).toEqual(['reset.started:alice', 'reset.verify:alice', 'reset.password:alice']);
    expect(await q('client=10.0.0.5%20app%3Akiosk-1&type=reset.password')).toEqual(['reset.password:alice']);
    // from inclusive, to exclusive.
    expect(await q('from=2026-03-01T00:02:00Z&to=2026-03-01T00:04:00Z&sort=asc')).toEqual(['reset.verify:alice', 'reset.password:alice']);
    expect(await q('from=2026-03-01T09:02:00%2B09:00&to=2026-03-01T09:04:00%2B09:00&sort=asc')).toEqual(['reset.verify:alice', 'reset.password:alice']);
    expect(await q('type=registration.add')).toEqual([]);
  });

  it('R17b: keyset paging walks every event exactly once, even while new ones arrive', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const r: any = await t.api('GET', `/admin/reports/activity?limit=3&sort=asc${cursor ? `&cursor=${cursor}` : ''}`, admin());
      expect(r.status).toBe(200);
      expect(r.body.events.length).toBeLessThanOrEqual(3);
      seen.push(...r.body.events.map((e: any) => e.id));
      cursor = r.body.nextCursor;
      if (pages++ === 0) await event({ type: 'reset.cancelled', user: 'carol' });
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(9);
    const desc = (await t.api('GET', '/admin/reports/activity?limit=1000', admin())).body.events.map((e: any) => e.id);
    expect([...desc].reverse()).toEqual(seen);
  });

  it('R17a/R17b: an event is in the report the moment its change commits (a real sign-in)', async () => {
    await t.addUser({ username: 'dora', password: 'Correct-Horse-42' });
    const bad = await t.api('POST', '/auth/sign-in', { body: { username: 'dora', password: 'wrong-password' }, headers: { 'x-sspr-client': 'desk-7' } });
    expect(bad.status).toBe(401);
    const r = await t.api('GET', '/admin/reports/activity?user=dora', admin());
    expect(r.body.events[0]).toMatchObject({ type: 'auth.signin', user: 'dora', result: 'failure', client: '127.0.0.1 app:desk-7' });
  });

  it('R17b: hostile queries answer 4xx problem+json, never 5xx; reports need an administrator', async () => {
    for (const query of ['limit=1001', 'limit=0', 'limit=abc', 'cursor=bm9wZQ', 'cursor=%00%01', 'type=nope', 'result=maybe', 'from=yesterday', 'sort=up', 'format=xlsx', 'evil=1', `user=${'x'.repeat(300)}`, 'from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z']) {
      const r = await t.api('GET', `/admin/reports/activity?${query}`, admin());
      expect(r.status, query).toBe(400);
      expect(r.body.code, query).toBe('invalid_request');
    }
    expect((await t.api('GET', '/admin/reports/activity')).status).toBe(401);
    expect((await t.api('GET', '/admin/audit', { token: 'not-the-admin-token-0000000000' })).status).toBe(403);
    expect((await t.api('GET', '/admin/reports/summary', { token: 'not-the-admin-token-0000000000' })).status).toBe(403);
  });

  it('R17b: CSV download is UTF-8 with a BOM, RFC 4180 quoted, formula-safe, an attachment', async () => {
    const res = await fetch(`${t.url}/admin/reports/activity?format=csv&sort=asc`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="activity-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
    expect(text.startsWith('\uFEFFtime,type,user,actor,method,result,client,detail\r\n')).toBe(true);
    const rows = parseCsv(text.slice(1));
    expect(rows[0]).toEqual(['time', 'type', 'user', 'actor', 'method', 'result', 'client', 'detail']);
    const json = (await t.api('GET', '/admin/reports/activity?sort=asc&limit=1000', admin())).body.events;
    expect(rows).toHaveLength(json.length + 1);
    expect(rows.map((r) => r[2])).toContain('山田太郎');
    expect(rows.map((r) => r[2])).toContain(`'=HYPERLINK("http://evil","x")`);
    expect(rows.map((r) => r[2])).toContain('comma, "quote"\nnewline');
    const lockRow = rows.find((r) => r[1] === 'reset.lockout')!;
    expect(lockRow).toEqual(['2026-03-01T00:06:00.000Z', 'reset.lockout', '山田太郎', '', '', 'locked', '10.0.0.50', '{"reason":"R11a"}']);
    expect(text).toContain('"\'=HYPERLINK(""http://evil"",""x"")"');
  });

  it('R17b: CSV export has no row cap and follows the filters', async () => {
    const { db, clock } = t.server.services;
    const base = clock.now().getTime();
    const bulk = Array.from({ length: 2600 }, (_, i) => ({ at: base + i, type: 'reset.challenge', category: 'activity', username: `bulk${i}`, actor: null, method: 'email', result: 'success', client: '10.9.9.9', detail: null }));
    for (let i = 0; i < bulk.length; i += 500) await db.insertInto('audit_events').values(bulk.slice(i, i + 500)).execute();
    const res = await fetch(`${t.url}/admin/reports/activity?format=csv&type=reset.challenge&limit=5`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    const rows = parseCsv((await res.text()).replace(/^\uFEFF/, ''));
    expect(rows).toHaveLength(2601);
    expect(rows[1]![2]).toBe('bulk2599');
    expect(rows[2600]![2]).toBe('bulk0');
  });
});
