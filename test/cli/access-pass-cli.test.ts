import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** `npm run admin -- access-pass` as a real process on the running server's data directory (R31). */
let t: TestServer;
const ROOT = path.resolve(import.meta.dirname, '../..');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['src-server/cli/admin.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, SSPR_DATA_DIR: t.config.dataDir, SSPR_SMTP_URL: t.config.smtpUrl ?? '', SSPR_LOG_LEVEL: 'silent' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end('');
  });
}

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

it('R31: the CLI issues a pass, printed once, audited under cli:<user>, the user told by email; the pass steps a sign-in up', { timeout: 120_000 }, async () => {
  await t.addUser({ username: 'helpdesk-case', email: 'case@corp.example' });
  expect((await cli(['access-pass', 'helpdesk-case', '--lifetime', '5'])).code).toBe(2);
  const issued = await cli(['access-pass', 'helpdesk-case', '--lifetime', '30']);
  expect(issued.code, issued.stderr).toBe(0);
  const pass = /^([A-Z2-9]{4}(?:-[A-Z2-9]{4}){3})$/m.exec(issued.stdout)?.[1];
  expect(pass).toBeDefined();
  const audit = await t.server.services.db.selectFrom('audit_events').selectAll().where('type', '=', 'admin.accesspass').where('username', '=', 'helpdesk-case').executeTakeFirstOrThrow();
  expect(audit.actor).toMatch(/^cli:/);
  const notice = await t.smtp.waitFor('case@corp.example');
  expect(notice.subject).toMatch(/Temporary Access Pass/);
  expect(notice.text).not.toContain(pass!);
  const signIn = await t.api('POST', '/auth/sign-in', { body: { username: 'helpdesk-case', password: 'Initial-Passw0rd!' } });
  expect((await t.api('POST', '/me/step-up/pass', { token: signIn.body.accessToken, body: { pass } })).status).toBe(200);
});
