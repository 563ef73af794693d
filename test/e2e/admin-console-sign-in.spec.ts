import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { Secret, TOTP } from 'otpauth';
import path from 'node:path';
import { ARTIFACTS, expectNoAxeViolations as axe, startConsoleServer, type ConsoleServer } from '../helpers/console-server.js';

/**
 * The console's own sign-in against the real server process: an administrator with an emailed
 * code and an authenticator app signs in with user name, password and both methods (R10),
 * keyboard only, and reaches the policy editor; the set-up token is refused from then on (R33).
 */
const TOKEN = 'adm_e2e_console_signin_0123456789abcdef';
const ADMIN = { username: 'chief', displayName: 'Chief Admin', password: 'Initial-Passw0rd!x', email: 'chief@corp.example' };
/** The reset address (R3: not the account's own). */
const RESET_EMAIL = 'chief.private@mail.example';

let srv: ConsoleServer;
let base: string;
let totp: TOTP;
/** The TOTP time step last used: the server takes one code per step, so the next use waits for a new one. */
let lastStep = 0;

const api = (method: string, p: string, body?: unknown, token?: string) => srv.api(method, p, body, token);

async function freshTotp(): Promise<string> {
  while (Math.floor(Date.now() / 30_000) <= lastStep) await new Promise((r) => setTimeout(r, 250));
  lastStep = Math.floor(Date.now() / 30_000);
  return totp.generate();
}

const outboxLines = () => srv.outboxLines();
const outboxCode = (to: string, after: number) => srv.outboxCode(to, after);

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  srv = await startConsoleServer({ token: TOKEN, dataPrefix: 'sspr-console-signin-' });
  base = srv.base;
  // The first-run path: the set-up token makes the administrator and their Temporary Access
  // Pass; the administrator steps up with it and registers an authenticator app (R31).
  const created = await api('POST', '/admin/users', { ...ADMIN, isAdmin: true });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const email = await api('PUT', `/admin/users/${ADMIN.username}/methods`, { email: RESET_EMAIL });
  expect(email.status, JSON.stringify(email.body)).toBe(200);
  const pass = await api('POST', `/admin/users/${ADMIN.username}/access-pass`, {});
  expect(pass.status, JSON.stringify(pass.body)).toBe(201);
  const signedIn = await api('POST', '/auth/sign-in', { username: ADMIN.username, password: ADMIN.password }, '');
  expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
  const access = signedIn.body.accessToken as string;
  const stepUp = await api('POST', '/me/step-up/pass', { pass: pass.body.pass }, access);
  expect(stepUp.status, JSON.stringify(stepUp.body)).toBe(200);
  const registered = await api('POST', '/me/methods', { type: 'authenticatorCode', label: 'Authenticator app' }, access);
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  totp = new TOTP({ secret: Secret.fromBase32(registered.body.secret), algorithm: 'SHA1', digits: 6, period: 30 });
  const verified = await api('POST', `/me/methods/${registered.body.method.id}/verify`, { code: await freshTotp() }, access);
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
});

test.afterAll(async () => {
  await srv?.stop();
});

test.describe('R10/R33: an administrator signs in with password, an emailed code and an authenticator code, keyboard only, and reaches the policy editor', () => {
  // One sign-in, step by step: each case after the first continues on the page the one before
  // left, as the server asks for a proof-of-work after three administrator sign-ins from one client.
  let context: BrowserContext;
  let page: Page;
  test.beforeAll(async ({ browser }) => {
    context = await browser.newContext();
    page = await context.newPage();
  });
  test.afterAll(async () => {
    await context.close();
  });

  test("R33: with an administrator holding two methods, the set-up token is refused, with the server's words", async () => {
    await page.goto(`${base}/admin/`);
    await page.getByText('Use a set-up token').click();
    await page.getByLabel('Administrator token').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await expect(page.getByRole('alert')).toHaveText('This token is not accepted.');
    await expect(page.locator('#token-reason')).toContainText('The server says: An administrator token is required.');
    await page.getByText('Use a set-up token').click();
  });

  test("a wrong password says so, without telling whether the name is an administrator's", async () => {
    await page.getByLabel('User name').focus();
    await page.keyboard.type(ADMIN.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type('Not-the-Passw0rd!');
    await page.keyboard.press('Enter');
    await expect(page.getByRole('alert')).toHaveText('The user name or password is not correct, or the account is not an administrator.');
    await axe(page, 'sign-in with an error');
    await page.getByLabel('Password', { exact: true }).fill('');
    await page.getByLabel('Password', { exact: true }).focus();
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Verify it is you' })).toBeFocused();
  });

  test('R10: the first gate offers both methods, the email first; a wrong code first tells how many attempts are left', async () => {
    const first = page.getByRole('heading', { name: 'Verify it is you' });
    await expect(first).toBeFocused();
    await expect(page.getByText('Step 1 of 2')).toBeVisible();
    const emailChoice = page.getByRole('radio', { name: /^Email a code to/ });
    await expect(emailChoice).toBeChecked();
    await expect(page.getByRole('radio', { name: /Authenticator app code/ })).toBeVisible();
    await axe(page, 'method choice');
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-console-sign-in-methods.png') });
    const before = outboxLines();
    await emailChoice.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Enter the code' })).toBeFocused();
    const code = await outboxCode(RESET_EMAIL, before);
    const wrong = code === '000000' ? '111111' : '000000';
    await page.keyboard.press('Tab');
    await expect(page.getByLabel('Code')).toBeFocused();
    await page.keyboard.type(wrong);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('alert')).toHaveText(/^That code is not correct\.( \d+ attempts? left\.)?$/);
    await axe(page, 'code with an error');
    await page.getByLabel('Code').fill('');
    await page.getByLabel('Code').focus();
    await page.keyboard.type(code);
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Verify a second method' })).toBeFocused();
  });

  test("R10: the second gate no longer offers the email; the authenticator code opens the console on the administrator's own token", async () => {
    test.setTimeout(120_000);
    await expect(page.getByText('Step 2 of 2')).toBeVisible();
    await expect(page.getByRole('radio', { name: /^Email a code to/ })).toHaveCount(0);
    await page.getByRole('radio', { name: /Authenticator app code/ }).focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('heading', { name: 'Enter the code' })).toBeFocused();
    await page.keyboard.press('Tab');
    await page.keyboard.type(await freshTotp());
    await page.keyboard.press('Enter');

    // The admin token (15 min) is kept in this tab; the console opens on the administrator's token.
    await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
    const policy = page.locator('#policy');
    await expect(policy.getByRole('button', { name: 'Save policy' })).toBeVisible();
    const stored = await page.evaluate(() => (globalThis as any).sessionStorage.getItem('sspr-admin-token') as string | null);
    expect(stored).toBeTruthy();
    expect(stored).not.toBe(TOKEN);
    expect((await api('GET', '/admin/policy', undefined, stored!)).status).toBe(200);
    await axe(page, 'console after sign-in');
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-console-sign-in.png'), fullPage: true });
    const signins = (await api('GET', '/admin/audit?type=admin.signin', undefined, stored!)).body.events as Array<{ result: string; actor?: string }>;
    expect(signins.some((e) => e.result === 'success' && e.actor === ADMIN.username)).toBe(true);
  });
});

/** The administrator's two-method sign-in over the API (password, emailed code, authenticator code) → an admin token. */
async function adminTokenViaApi(): Promise<string> {
  const started = await api('POST', '/auth/admin/sessions', { username: ADMIN.username, password: ADMIN.password }, '');
  expect(started.status, JSON.stringify(started.body)).toBe(201);
  const session = started.body.sessionToken as string;
  const methodOf = (type: string) => (started.body.methods as Array<{ id: string; type: string }>).find((m) => m.type === type)!.id;
  const before = outboxLines();
  const email = await api('POST', '/reset/session/challenges', { methodId: methodOf('email') }, session);
  expect((await api('POST', `/reset/session/challenges/${email.body.challengeId}/verify`, { code: await outboxCode(RESET_EMAIL, before) }, session)).status).toBe(200);
  const app = await api('POST', '/reset/session/challenges', { methodId: methodOf('authenticatorCode') }, session);
  expect((await api('POST', `/reset/session/challenges/${app.body.challengeId}/verify`, { code: await freshTotp() }, session)).body).toMatchObject({ complete: true });
  const issued = await api('POST', '/auth/admin/token', undefined, session);
  expect(issued.status, JSON.stringify(issued.body)).toBe(200);
  return issued.body.adminToken as string;
}

test('R38: a signed-in administrator creates an API token in the console, copies it once, a script uses it within its scope, and it is revoked', async ({ page, context }) => {
  test.setTimeout(120_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const adminToken = await adminTokenViaApi();
  await page.addInitScript((t) => (globalThis as any).sessionStorage.setItem('sspr-admin-token', t), adminToken);
  await page.goto(`${base}/admin/`);
  const section = page.locator('#api-tokens');
  await expect(section.getByRole('heading', { name: 'API tokens' })).toBeVisible();
  await expect(section.getByText('No API tokens yet.')).toBeVisible();

  // Nothing ticked: the form says what is missing, and nothing is created.
  await section.getByLabel('Name').fill('nightly-export');
  await section.getByRole('button', { name: 'Create token' }).click();
  await expect(section.getByRole('alert')).toHaveText('Scopes: tick at least one.');
  await axe(page, 'API token form with an error');
  await section.getByLabel('Read reports').check();
  await section.getByLabel('Valid for (days, 1–365)').fill('30');
  await section.getByRole('button', { name: 'Create token' }).click();

  const shown = section.getByRole('region', { name: /^Token nightly-export created/ });
  await expect(shown).toBeVisible();
  const token = await shown.getByLabel('Token').inputValue();
  expect(token).toMatch(/^sspr_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
  await shown.getByRole('button', { name: 'Copy' }).click();
  await expect(shown.getByRole('status')).toHaveText('Copied to the clipboard.');
  expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(token);
  await expect(section.getByRole('row', { name: /nightly-export reports:read/ })).toContainText('never');
  await axe(page, 'API token shown once');
  await page.screenshot({ path: path.join(ARTIFACTS, 'admin-console-api-token.png'), fullPage: true });

  // A script: reports yes, the policy no; both uses are in the audit under the token's name.
  expect((await api('GET', '/admin/reports/activity', undefined, token)).status).toBe(200);
  expect((await api('GET', '/admin/policy', undefined, token)).status).toBe(403);
  const uses = (await api('GET', '/admin/audit?type=admin.apitoken', undefined, adminToken)).body.events as Array<{ actor?: string; result: string }>;
  expect(uses.filter((e) => e.actor === 'token:nightly-export').map((e) => e.result).sort()).toEqual(['denied', 'success']);

  // After a reload the secret is gone for good; the list shows the last use.
  await page.reload();
  await expect(section.getByRole('row', { name: /nightly-export/ })).not.toContainText('never');
  await expect(page.getByText(token)).toHaveCount(0);
  expect(await page.content()).not.toContain(token);
  await section.getByRole('button', { name: 'Revoke nightly-export' }).click();
  await expect(section.getByRole('status').last()).toHaveText('Token nightly-export revoked.');
  await expect(section.getByRole('row', { name: /nightly-export/ })).toHaveCount(0);
  expect((await api('GET', '/admin/reports/activity', undefined, token)).status).toBe(403);
  await axe(page, 'API tokens after revoking');
});
