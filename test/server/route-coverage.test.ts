import { afterAll, beforeAll, expect, it } from 'vitest';
import { API_BASE, API_ROUTES } from '../../shared/api/routes.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

it('every route of the shared API table has a handler', () => {
  const missing = Object.entries(API_ROUTES)
    .filter(([, def]) => !t.server.app.hasRoute({ method: def.method, url: API_BASE + def.path.replace(/\{(\w+)\}/g, ':$1') }))
    .map(([name]) => name);
  expect(missing).toEqual([]);
});
