import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { ManualClock } from '../../src-server/clock.js';
import { loadConfig, type ServerConfig } from '../../src-server/config.js';
import { BuiltinDirectory, type NewBuiltinUser } from '../../src-server/directory/builtin-directory.js';
import type { DirectoryUser } from '../../src-server/directory/directory.js';
import { createServer, type ServerOverrides, type SsprServer } from '../../src-server/server.js';
import { startGatewayPeer, type GatewayPeer } from './gateway-peer.js';
import { startPostgres, type PostgresPeer } from './postgres.js';
import { startSmtpPeer, type SmtpPeer } from './smtp-peer.js';

export interface ApiResult<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface TestServer {
  url: string;
  server: SsprServer;
  clock: ManualClock;
  smtp: SmtpPeer;
  gateway: GatewayPeer;
  adminToken: string;
  /** Bearer token of `/metrics`. */
  metricsToken: string;
  config: ServerConfig;
  /** The throwaway PostgreSQL when started with `postgres: true` (tests stop and start it). */
  pg: PostgresPeer | null;
  api<T = any>(method: string, path: string, options?: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: string }): Promise<ApiResult<T>>;
  /** Adds a built-in directory user directly (fast path for test setup). */
  addUser(u: Partial<NewBuiltinUser> & { username: string }): Promise<DirectoryUser>;
  setPolicy(change: (p: PolicyDocument) => void): Promise<void>;
  close(): Promise<void>;
}

/** Cheap scrypt for tests; the real cost is measured by the bench. */
export const TEST_HASH_PARAMS = { N: 1024, r: 8, p: 1 };

/**
 * Starts the real server on loopback with a manual clock, a real SMTP peer and a real
 * gateway peer, on a fresh SQLite file.
 */
export async function startTestServer(
  options: { env?: Record<string, string>; overrides?: ServerOverrides; startAt?: string; /** A throwaway PostgreSQL store instead of SQLite. */ postgres?: boolean } = {},
): Promise<TestServer> {
  const pg = options.postgres ? await startPostgres() : null;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-test-'));
  const smtp = await startSmtpPeer();
  const gateway = await startGatewayPeer();
  const adminToken = 'adm_test_bootstrap_token_0123456789abcdef';
  const metricsToken = 'met_test_metrics_token_0123456789abcdef';
  const config = loadConfig({
    env: {
      SSPR_PORT: '0',
      SSPR_DATA_DIR: dataDir,
      SSPR_SMTP_URL: smtp.url,
      SSPR_SMS_WEBHOOK_URL: gateway.url,
      SSPR_SMS_WEBHOOK_SECRET: gateway.secret,
      SSPR_ADMIN_TOKEN: adminToken,
      SSPR_METRICS_TOKEN: metricsToken,
      SSPR_LOG_LEVEL: 'silent',
      ...(pg ? { SSPR_DATABASE_URL: pg.url } : {}),
      // Most tests hammer one door from one address on purpose; the rate-limit tests turn them on.
      SSPR_RATE_LIMITS: 'off',
      ...options.env,
    },
  });
  const clock = new ManualClock(options.startAt ?? '2026-01-05T09:00:00Z');
  const server = await createServer(config, { clock, hashParams: TEST_HASH_PARAMS, validateResponses: true, ...options.overrides });
  const address = await server.app.listen({ port: 0, host: '127.0.0.1' });
  const url = `${address}/api/v1`;
  const ts: TestServer = {
    url,
    server,
    clock,
    smtp,
    gateway,
    adminToken,
    metricsToken,
    config,
    pg,
    async api(method, p, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      if (o.body !== undefined || o.raw !== undefined) headers['content-type'] ??= 'application/json';
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      const res = await fetch(p.startsWith('http') ? p : p.startsWith('/api/') || p.startsWith('/healthz') || p.startsWith('/readyz') || p.startsWith('/metrics') ? address + p : url + p, {
        method,
        headers,
        body: o.raw ?? (o.body === undefined ? undefined : JSON.stringify(o.body)),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: body as any, headers: res.headers };
    },
    async addUser(u) {
      const dir = server.services.directory;
      if (!(dir instanceof BuiltinDirectory)) throw new Error('addUser needs the built-in directory');
      return dir.createUser({ password: 'Initial-Passw0rd!', displayName: u.username, ...u });
    },
    async setPolicy(change) {
      const p = structuredClone(await server.services.policy.get()) as PolicyDocument;
      change(p);
      await server.services.policy.put(server.services.db, p);
    },
    async close() {
      await server.close();
      await smtp.close();
      await gateway.close();
      pg?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return ts;
}

