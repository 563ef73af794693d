import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ApiClient, backoffMs, type ApiClientOptions } from '../../src-main/node/api-client.js';
import { ManualTime } from '../helpers/manual-time.js';

/** A real HTTP server on loopback whose answers each test scripts. */
type Reply = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let server: Server;
let base: string;
let replies: Reply[] = [];
let seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const reply = replies.shift() ?? ((_q, r) => json(r, 500, { nope: true }));
      reply(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  replies = [];
  seen = [];
});

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
const problem = (status: number, code: string, extra: Record<string, unknown> = {}) => ({ type: `https://sspr.invalid/problems/${code}`, title: code, status, code, ...extra });
const POLICY = {
  methods: ['email'],
  methodsRequired: 1,
  password: { minLength: 8, maxAgeDays: 90, historyCount: 5, expiryWarningDays: [14, 7, 3, 1], minCharacterClasses: 3 },
  securityQuestions: { requiredToRegister: 3, requiredToReset: 3 },
  branding: { organizationName: '', logoUrl: null, contactAdmin: null },
  locales: ['ja', 'en'],
};

function client(over: Partial<ApiClientOptions> & { url?: string } = {}) {
  const delays: number[] = [];
  const c = new ApiClient({
    serverUrl: () => over.url ?? base,
    instanceId: 'app-0123abcd',
    locale: () => 'ja',
    clock: new ManualTime('2026-01-05T09:00:00Z'),
    timeoutMs: 300,
    delay: async (ms) => {
      delays.push(ms);
    },
    ...over,
  });
  return { c, delays };
}

describe('API client', () => {
  it('sends the app instance id, the locale and the bearer token; parses the typed answer', async () => {
    replies.push((_q, r) => json(r, 200, POLICY));
    const { c } = client();
    const r = await c.call('getPolicy', {});
    expect(r).toEqual({ ok: true, status: 200, value: POLICY });
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/api/v1/policy', headers: { 'x-sspr-client': 'app-0123abcd', 'accept-language': 'ja' } });
    replies.push((_q, r) => json(r, 200, { gatesPassed: 1, requiredMethods: 1, complete: true }));
    await c.call('verifyChallenge', { params: { challengeId: 'c/1 x' }, body: { code: '123456' }, token: 'tok-1' });
    expect(seen[1]).toMatchObject({ method: 'POST', url: '/api/v1/reset/session/challenges/c%2F1%20x/verify', body: '{"code":"123456"}', headers: { authorization: 'Bearer tok-1', 'content-type': 'application/json' } });
  });

  it('accepts a server URL given with /api/v1 and a trailing slash', async () => {
    replies.push((_q, r) => json(r, 200, POLICY));
    const { c } = client({ url: `${base}/api/v1/` });
    expect((await c.call('getPolicy', {})).ok).toBe(true);
    expect(seen[0]!.url).toBe('/api/v1/policy');
  });

  it('TLS required: http:// to anything but loopback is refused before any request', async () => {
    for (const url of ['http://sspr.corp.example', 'http://10.0.0.5:8787', 'http://127.0.0.1.nip.io', 'ftp://sspr.corp.example', 'https://user:pw@sspr.corp.example']) {
      const r = await client({ url }).c.call('getPolicy', {});
      expect(r).toMatchObject({ ok: false, error: { code: 'insecure_server_url' } });
    }
    const none = await client({ serverUrl: () => null }).c.call('getPolicy', {});
    expect(none).toMatchObject({ ok: false, error: { code: 'not_configured' } });
    expect(seen).toHaveLength(0);
    // Loopback over http is fine (development, the demo, tests).
    replies.push((_q, r) => json(r, 200, POLICY));
    expect((await client({ url: base.replace('127.0.0.1', 'localhost') }).c.call('getPolicy', {})).ok).toBe(true);
  });

  it('GET is retried with backoff on 503 and on network trouble; it then succeeds', async () => {
    replies.push((_q, r) => json(r, 503, problem(503, 'directory_unavailable')));
    replies.push((_q, r) => r.socket?.destroy());
    replies.push((_q, r) => json(r, 200, POLICY));
    const { c, delays } = client();
    expect(await c.call('getPolicy', {})).toMatchObject({ ok: true });
    expect(seen).toHaveLength(3);
    expect(delays).toEqual([backoffMs(1), backoffMs(2)]);
    expect(delays).toEqual([250, 500]);
  });

  it('GET gives up after 3 attempts with the last error', async () => {
    for (let i = 0; i < 3; i++) replies.push((_q, r) => json(r, 503, problem(503, 'directory_unavailable', { detail: 'LDAP is down' })));
    const { c, delays } = client();
    expect(await c.call('getPolicy', {})).toEqual({ ok: false, error: { code: 'directory_unavailable', detail: 'LDAP is down', status: 503 } });
    expect(seen).toHaveLength(3);
    expect(delays).toHaveLength(2);
  });

  it('POST (not idempotent) is never retried: one attempt, even on 503 or a dropped connection', async () => {
    replies.push((_q, r) => json(r, 503, problem(503, 'directory_unavailable')));
    const { c, delays } = client();
    expect(await c.call('createResetSession', { body: { username: 'a' } })).toMatchObject({ ok: false, error: { code: 'directory_unavailable' } });
    replies.push((_q, r) => r.socket?.destroy());
    expect(await c.call('signIn', { body: { username: 'a', password: 'b' } })).toMatchObject({ ok: false, error: { code: 'network' } });
    expect(seen).toHaveLength(2);
    expect(delays).toEqual([]);
  });

  it('a server that does not answer in time: timeout (per attempt; GET retried)', async () => {
    for (let i = 0; i < 3; i++) replies.push(() => {});
    const { c } = client({ timeoutMs: 150 });
    const started = Date.now();
    expect(await c.call('getPolicy', {})).toMatchObject({ ok: false, error: { code: 'timeout' } });
    expect(seen).toHaveLength(3);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('nothing listening: network error', async () => {
    const { c } = client({ url: 'http://127.0.0.1:9', maxAttempts: 1 });
    expect(await c.call('getPolicy', {})).toMatchObject({ ok: false, error: { code: 'network' } });
  });

  it('maps problem+json to the typed error: retry time (body or Retry-After), attempts left, violations', async () => {
    replies.push((_q, r) => json(r, 429, problem(429, 'rate_limited'), { 'retry-after': '120' }));
    replies.push((_q, r) => json(r, 400, problem(400, 'invalid_code', { detail: 'The code is not correct.', attemptsRemaining: 2 })));
    replies.push((_q, r) => json(r, 422, problem(422, 'password_policy', { violations: [{ rule: 'minLength', message: 'Use at least 8 characters.' }] })));
    replies.push((_q, r) => json(r, 423, problem(423, 'locked_out', { retryAfterSeconds: 86400 })));
    const { c } = client();
    expect(await c.call('createResetSession', { body: { username: 'a' } })).toEqual({ ok: false, error: { code: 'rate_limited', detail: 'rate_limited', status: 429, retryAfterSeconds: 120 } });
    expect(await c.call('verifyChallenge', { params: { challengeId: 'c' }, body: { code: '1' }, token: 't' })).toEqual({ ok: false, error: { code: 'invalid_code', detail: 'The code is not correct.', status: 400, attemptsRemaining: 2 } });
    expect(await c.call('setResetPassword', { body: { newPassword: 'x' }, token: 't' })).toMatchObject({ ok: false, error: { code: 'password_policy', violations: [{ rule: 'minLength' }] } });
    expect(await c.call('createResetSession', { body: { username: 'a' } })).toMatchObject({ ok: false, error: { code: 'locked_out', retryAfterSeconds: 86400 } });
  });

  it('password_expired: the change token is handed to main, not placed in the error', async () => {
    replies.push((_q, r) => json(r, 403, problem(403, 'password_expired', { changeToken: 'chg_secret' })));
    const r = await client().c.call('signIn', { body: { username: 'a', password: 'b' } });
    expect(r).toMatchObject({ ok: false, changeToken: 'chg_secret', error: { code: 'password_expired' } });
    expect(JSON.stringify((r as { error: unknown }).error)).not.toContain('chg_secret');
  });

  it('answers outside the contract are bad_response, never passed through', async () => {
    replies.push((_q, r) => json(r, 200, { ...POLICY, methods: 'all' }));
    replies.push((_q, r) => {
      r.writeHead(502, { 'content-type': 'text/html' });
      r.end('<html>Bad gateway</html>');
    });
    const { c } = client({ maxAttempts: 1 });
    expect(await c.call('getPolicy', {})).toMatchObject({ ok: false, error: { code: 'bad_response' } });
    expect(await c.call('getPolicy', {})).toMatchObject({ ok: false, error: { code: 'bad_response', status: 502 } });
  });

  it('redirects are refused (one could lead from https to http)', async () => {
    replies.push((_q, r) => {
      r.writeHead(302, { location: 'http://sspr.corp.example/api/v1/policy' });
      r.end();
    });
    expect(await client({ maxAttempts: 1 }).c.call('getPolicy', {})).toMatchObject({ ok: false });
    expect(seen).toHaveLength(1);
  });
});
