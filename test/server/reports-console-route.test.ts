import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminConsoleRoutes } from '../../src-server/http/admin-console.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** `/admin/…`: the console's static files, with a strict CSP, and nothing outside its folder. */
describe('admin console route', () => {
  let dir: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sspr-console-route-'));
    dir = path.join(root, 'admin');
    mkdirSync(path.join(dir, 'assets'), { recursive: true });
    writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(path.join(root, 'secret.key'), 'outside the console folder');
    app = Fastify();
    await adminConsoleRoutes(dir)(app);
  });
  afterAll(async () => {
    await app.close();
    rmSync(path.dirname(dir), { recursive: true, force: true });
  });

  it('serves index and assets with the strict CSP and framing denied', async () => {
    const index = await app.inject('/admin/');
    expect(index.statusCode).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toBe("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    expect(index.headers['x-frame-options']).toBe('DENY');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    const js = await app.inject('/admin/assets/app.js');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.body).toBe('console.log(1)');
    const bare = await app.inject('/admin');
    expect(bare.statusCode).toBe(302);
    expect(bare.headers.location).toBe('/admin/');
  });

  it('never serves a file outside the console folder', async () => {
    for (const p of ['/admin/../secret.key', '/admin/%2e%2e/secret.key', '/admin/..%2fsecret.key', '/admin/..%5csecret.key', '/admin/assets/../../secret.key', '/admin/%00', '/admin/assets', '/admin/nope.js']) {
      const r = await app.inject(p);
      expect(r.statusCode, p).toBe(404);
      expect(r.body, p).not.toContain('outside the console folder');
    }
  });

  it('says how to build the console when it is not built', async () => {
    const bare = Fastify();
    await adminConsoleRoutes(path.join(dir, 'missing'))(bare);
    const r = await bare.inject('/admin/');
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain('npm run build:admin');
    await bare.close();
  });

  describe('in the real server', () => {
    let t: TestServer;
    beforeAll(async () => {
      t = await startTestServer();
    });
    afterAll(async () => {
      await t?.close();
    });
    it('is mounted at /admin/ next to the API, which keeps its own answers', async () => {
      const r = await fetch(t.url.replace('/api/v1', '/admin/'));
      expect([200, 503]).toContain(r.status);
      expect(r.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect((await t.api('GET', '/admin/policy')).status).toBe(401);
    });
  });
});
