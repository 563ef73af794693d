import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { contentTypeOf, fileInside } from './static-files.js';

/** Where `npm run build:admin` (vite.admin.config.ts) puts the console. */
const ADMIN_CONSOLE_DIST = fileURLToPath(new URL('../../dist/admin', import.meta.url));

/**
 * The console's own files only; its API calls go to the same origin with the admin token in
 * a header (never a cookie), so no request from another site can act as the administrator.
 */
const ADMIN_CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');


function secure(reply: FastifyReply): FastifyReply {
  return reply
    .header('content-security-policy', ADMIN_CONSOLE_CSP)
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cross-origin-resource-policy', 'same-origin')
    .header('permissions-policy', 'camera=(), microphone=(), geolocation=(), payment=()');
}

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>SSPR administration</title></head>
<body><h1>The admin console is not built</h1><p>Run <code>npm run build:admin</code>, then reload this page.</p></body></html>`;

/**
 * `GET /admin/…`: the admin web console's static files, from `dir`. Paths are resolved inside
 * `dir` only (no traversal), and read per request, so a rebuild needs no restart.
 */
export function adminConsoleRoutes(dir = ADMIN_CONSOLE_DIST) {
  const root = path.resolve(dir);
  return (app: FastifyInstance) => {
    app.get('/admin', (_req, reply) => reply.redirect('/admin/', 302));
    app.get('/admin/*', async (req, reply) => {
      const rel = (req.params as { '*': string })['*'] || 'index.html';
      // Fastify has already decoded the path once; resolving keeps it inside `root`.
      const file = fileInside(root, rel);
      if (!file) return reply.callNotFound();
      const info = await stat(file).catch(() => null);
      if (!info?.isFile()) {
        if (rel === 'index.html' && !existsSync(root)) return secure(reply).code(503).type('text/html; charset=utf-8').send(NOT_BUILT);
        return reply.callNotFound();
      }
      return secure(reply).type(contentTypeOf(file)).send(await readFile(file));
    });
  };
}
