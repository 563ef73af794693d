import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../../shared/api/routes.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

describe('foundation', () => {
  it('serves health, readiness and Prometheus metrics', async () => {
    expect((await t.api('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await t.api('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ store: 'ok', directory: 'ok' });
    const metrics = await t.api('GET', '/metrics', { token: t.metricsToken });
    expect(metrics.body).toContain('sspr_http_request_duration_seconds');
  });

  it('serves an OpenAPI 3.1 document generated from the shared route table', async () => {
    const doc = (await t.api('GET', '/api/v1/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    for (const def of Object.values(API_ROUTES)) {
      expect(doc.paths[`/api/v1${def.path}`]?.[def.method.toLowerCase()], `${def.method} ${def.path}`).toBeDefined();
    }
    expect(doc.paths['/api/v1/reset/sessions'].post.requestBody.content['application/json'].schema.properties.username).toBeDefined();
  });

  it('answers unknown paths and malformed JSON with problem+json, never 5xx', async () => {
    const nf = await t.api('GET', '/nope');
    expect(nf.status).toBe(404);
    expect(nf.headers.get('content-type')).toContain('application/problem+json');
    expect(nf.body.code).toBe('not_found');
    const bad = await t.api('POST', '/reset/sessions', { raw: '{"username":' });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('invalid_request');
    const big = await t.api('POST', '/reset/sessions', { raw: JSON.stringify({ username: 'x'.repeat(1024 * 1024) }) });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('invalid_request');
  });

  it('R25: GET /policy serves the one policy with the seeds\' defaults', async () => {
    const p = (await t.api('GET', '/policy')).body;
    expect(p.methodsRequired).toBe(1);
    expect(p.password.expiryWarningDays).toEqual([14, 7, 3, 1]);
    expect(p.locales).toEqual(['ja', 'en']);
  });
});
