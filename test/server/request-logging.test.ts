import { afterAll, describe, expect, it } from 'vitest';
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
