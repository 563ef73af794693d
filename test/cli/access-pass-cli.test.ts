import { afterAll, beforeAll, expect, it } from 'vitest';
import { adminCli } from '../helpers/cli-process.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** `npm run admin -- access-pass` as a real process on the running server's data directory (R31). */
let t: TestServer;
// The CLI tells the user by email through the test server's SMTP peer.
const cli = (args: string[]) => adminCli(t, args, { env: { SSPR_SMTP_URL: t.config.smtpUrl ?? '' } });

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
