import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminCli } from '../helpers/cli-process.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** `npm run admin -- token …` as a real process on the running server's data directory (R38). */
let t: TestServer;
const cli = (args: string[]) => adminCli(t, args);

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

it('R38: token create prints the token once, list shows it without the secret, revoke ends it; all audited under cli:<user>', { timeout: 180_000 }, async () => {
  expect((await cli(['token', 'create', 'nightly-report', '--scopes', 'reports:write'])).code).toBe(2);
  expect((await cli(['token', 'create', 'nightly-report', '--scopes', 'reports:read', '--days', '400'])).code).toBe(2);
  const created = await cli(['token', 'create', 'nightly-report', '--scopes', 'reports:read', '--days', '7']);
  expect(created.code, created.stderr).toBe(0);
  const token = /^(sspr_\S+)$/m.exec(created.stdout)?.[1];
  expect(token).toBeDefined();
  // The running server takes it at once, within its scope only.
  expect((await t.api('GET', '/admin/reports/activity', { token })).status).toBe(200);
  expect((await t.api('GET', '/admin/policy', { token })).status).toBe(403);
  const again = await cli(['token', 'create', 'nightly-report', '--scopes', 'reports:read']);
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(/exists or existed/);

  const listed = await cli(['token', 'list']);
  expect(listed.code, listed.stderr).toBe(0);
  expect(listed.stdout).toMatch(/nightly-report\s+reports:read/);
  expect(listed.stdout).not.toContain(token!.slice(22));
  expect(listed.stdout).not.toMatch(/nightly-report.*\s-\s*$/m);

  const revoked = await cli(['token', 'revoke', 'nightly-report']);
  expect(revoked.code, revoked.stderr).toBe(0);
  expect((await t.api('GET', '/admin/reports/activity', { token })).status).toBe(403);
  expect((await cli(['token', 'revoke', 'nightly-report'])).code).toBe(1);
  expect((await cli(['token', 'list'])).stdout).not.toContain('nightly-report');

  const events = await t.server.services.db.selectFrom('audit_events').select(['actor', 'detail', 'result']).where('type', '=', 'admin.apitoken').orderBy('id').execute();
  const management = events.filter((e) => ['create', 'revoke'].includes(JSON.parse(e.detail!).action));
  expect(management.map((e) => JSON.parse(e.detail!).action)).toEqual(['create', 'revoke']);
  for (const e of management) expect(e.actor).toMatch(/^cli:/);
  expect(events.filter((e) => e.actor === 'token:nightly-report').map((e) => e.result)).toEqual(['success', 'denied', 'denied']);
});
