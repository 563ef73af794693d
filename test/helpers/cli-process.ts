import { spawn } from 'node:child_process';
import path from 'node:path';
import type { TestServer } from './test-server.js';

/**
 * The CLI tests' processes: run in the repository on the test server's data directory, with
 * only PATH and HOME of this process's environment so no SSPR_* setting leaks in.
 */
export const ROOT = path.resolve(import.meta.dirname, '../..');

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function runIn(t: TestServer, command: string, args: string[], o: { input?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SSPR_DATA_DIR: t.config.dataDir, SSPR_LOG_LEVEL: 'silent', ...o.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(o.input ?? '');
  });
}

/** The admin CLI from its sources, as `npm run admin` starts it. */
export function adminCli(t: TestServer, args: string[], o: { input?: string; env?: Record<string, string> } = {}): Promise<CliRun> {
  return runIn(t, path.join(ROOT, 'node_modules/.bin/tsx'), ['src-server/cli/admin.ts', ...args], o);
}
