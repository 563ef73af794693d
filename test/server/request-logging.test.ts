import pino from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { DirectoryUnavailableError } from '../../src-server/directory/directory.js';
import { requestLogger } from '../../src-server/http/request-logger.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * Requests are logged as one summary line at `debug` (Fastify's two `info` lines per request
 * cost ~35 µs each): at the default `info`, a healthy server logs nothing per request.
 */
const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

async function serverLoggingAt(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const t = await startTestServer({ env: { SSPR_LOG_LEVEL: level }, overrides: { logDestination: { write: (l: string) => void lines.push(JSON.parse(l)) } } });
  servers.push(t);
  return { t, lines };
}

describe('request logging', () => {
  it('at info, ordinary requests and client errors write no per-request line', async () => {
    const { t, lines } = await serverLoggingAt('info');
    const before = lines.length;
    await t.api('GET', '/healthz');
    await t.api('GET', '/policy');
    await t.api('POST', '/reset/sessions', { body: { username: 'nobody-here' } });
    await t.api('GET', '/reset/session', { token: 'rs_not-a-real-session-token-but-well-formed' });
    expect(lines.slice(before).filter((l) => /request/.test(String(l.msg)))).toEqual([]);
  });

  it('at debug, each request writes one summary line: route name, status and time, no URL or headers', async () => {
    const { t, lines } = await serverLoggingAt('debug');
    const before = lines.length;
    await t.api('POST', '/reset/sessions', { body: { username: 'nobody-here' } });
    await t.api('GET', '/reset/session', { token: 'rs_not-a-real-session-token-but-well-formed' });
    const summaries = lines.slice(before).filter((l) => l.msg === 'request completed');
    expect(summaries.map((l) => [l.route, l.method, l.statusCode])).toEqual([
      ['createResetSession', 'POST', 201],
      ['getResetSession', 'GET', 401],
    ]);
    expect(typeof summaries[0]!.ms).toBe('number');
    expect(lines.slice(before).some((l) => l.msg === 'incoming request')).toBe(false);
    expect(JSON.stringify(lines)).not.toContain('rs_not-a-real-session-token');
  });
});

describe('request loggers made only when a line is written (issue 12)', () => {
  it('a request logger becomes a pino child on its first line at an enabled level: none for lines below the level, one for any number of lines', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const parent = pino({ level: 'warn', redact: { paths: ['*.password'], censor: '[redacted]' } }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    let children = 0;
    const child = parent.child.bind(parent);
    parent.child = ((...a: Parameters<typeof child>) => (children++, child(...a))) as typeof parent.child;

    const quiet = requestLogger(parent, { reqId: 'r-1' }, {});
    quiet.debug({ route: 'x' }, 'request completed');
    quiet.info('not at warn');
    expect(children).toBe(0);
    expect(quiet.level).toBe('warn');

    const loud = requestLogger(parent, { reqId: 'r-2' }, {});
    loud.warn({ body: { password: 'hunter2' } }, 'request failed');
    loud.error('again');
    expect(children).toBe(1);
    expect(lines.map((l) => [l.reqId, l.msg])).toEqual([
      ['r-2', 'request failed'],
      ['r-2', 'again'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('hunter2');

    // A level of its own (a route's logLevel, or one set later) decides instead of the parent's.
    const verbose = requestLogger(parent, { reqId: 'r-3' }, { level: 'debug' });
    expect(verbose.level).toBe('debug');
    verbose.debug('at debug');
    const quieted = requestLogger(parent, { reqId: 'r-4' }, {});
    quieted.level = 'error';
    quieted.warn('below error');
    expect(lines.slice(2).map((l) => [l.reqId, l.msg])).toEqual([['r-3', 'at debug']]);
  });

  it("a line a request writes (the directory down at sign-in) carries that request's id", async () => {
    const { t, lines } = await serverLoggingAt('info');
    const before = lines.length;
    t.server.services.directory.verifyPassword = () => Promise.reject(new DirectoryUnavailableError('connect ECONNREFUSED 127.0.0.1:389'));
    const r = await t.api('POST', '/auth/sign-in', { body: { username: 'anyone', password: 'Some-Passw0rd!' } });
    expect(r.status).toBe(503);
    const written = lines.slice(before).filter((l) => l.msg === 'directory unavailable');
    expect(written).toHaveLength(1);
    expect(written[0]!.reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(written)).not.toContain('Some-Passw0rd!');
  });
});
