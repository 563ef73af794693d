import { AxeBuilder } from '@axe-core/playwright';
import { expect, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/**
 * The admin console specs' server: the real process (`tsx src-server/main.ts`, as `npm run
 * server` starts it) on a fresh data directory with a set-up token, the console built from
 * src-admin as it is now (not a stale build), and the local outbox it hands codes to.
 */
export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const ARTIFACTS = path.join(ROOT, 'artifacts');
export const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

export interface ConsoleServer {
  base: string;
  dataDir: string;
  /** An API call with the set-up token, or `token` ('' for none). */
  api(method: string, p: string, body?: unknown, token?: string): Promise<{ status: number; body: any }>;
  /** Lines in the local outbox so far, to read only what comes after. */
  outboxLines(): number;
  /** The six-digit code handed to the outbox for `to` after `after` lines. */
  outboxCode(to: string, after: number): Promise<string>;
  stop(): Promise<void>;
}

/** `env`: settings a spec adds to the server's (SSPR_PROOF_OF_WORK, …). */
export async function startConsoleServer(o: { token: string; dataPrefix: string; env?: Record<string, string> }): Promise<ConsoleServer> {
  await build({ configFile: path.join(ROOT, 'vite.admin.config.ts'), logLevel: 'silent' });
  const dataDir = mkdtempSync(path.join(tmpdir(), o.dataPrefix));
  const server = spawn(TSX, ['src-server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, SSPR_PORT: '0', SSPR_DATA_DIR: dataDir, SSPR_ADMIN_TOKEN: o.token, SSPR_LOG_LEVEL: 'warn', ...o.env },
  });
  const base = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.:]+)\/api\/v1/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  const outboxFile = path.join(dataDir, 'outbox', 'outbox.jsonl');
  const lines = () => (existsSync(outboxFile) ? readFileSync(outboxFile, 'utf8').trim().split('\n') : []);
  const digitsOf = (n: string) => n.replace(/\s/g, '');
  return {
    base,
    dataDir,
    async api(method, p, body, token = o.token) {
      const res = await fetch(`${base}/api/v1${p}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    outboxLines: () => lines().length,
    async outboxCode(to, after) {
      const deadline = Date.now() + 10_000;
      for (;;) {
        // The last line may be caught half written: it is read again on the next turn.
        const parsed = lines()
          .slice(after)
          .flatMap((l) => {
            try {
              return [JSON.parse(l) as { to: string; text: string }];
            } catch {
              return [];
            }
          });
        const hit = parsed.find((m) => digitsOf(m.to) === digitsOf(to) && /\b\d{6}\b/.test(m.text));
        if (hit) return /\b(\d{6})\b/.exec(hit.text)![1]!;
        if (Date.now() > deadline) throw new Error(`no outbox message to ${to}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** No axe violations on the page as it is now (and enough passes that it really looked). */
export async function expectNoAxeViolations(page: Page, where: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  expect(
    results.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    `axe violations on ${where}`,
  ).toEqual([]);
  expect(results.passes.length).toBeGreaterThan(10);
}
