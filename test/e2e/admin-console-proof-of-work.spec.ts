import { expect, test, type Page } from '@playwright/test';
import path from 'node:path';
import { ARTIFACTS, expectNoAxeViolations as axe, startConsoleServer, type ConsoleServer } from '../helpers/console-server.js';

/**
 * R41: the console's sign-in on a server that asks every sign-in for a proof-of-work
 * (SSPR_PROOF_OF_WORK=always). The browser solves it by itself in a Web Worker while a
 * progress bar and a live status say so (English and Japanese), keyboard only, axe-clean;
 * then the password is checked as usual.
 */
const TOKEN = 'adm_e2e_console_pow_0123456789abcdef0';
const ADMIN = { username: 'keeper', displayName: 'Key Keeper', password: 'Initial-Passw0rd!k', email: 'keeper@corp.example' };

let srv: ConsoleServer;
let base: string;

const api = (method: string, p: string, body?: unknown) => srv.api(method, p, body);

/** Types the name and password with the keyboard and sends them; the proof-of-work is the browser's. */
async function signIn(page: Page, password: string) {
  await page.getByLabel('User name').focus();
  await page.keyboard.type(ADMIN.username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  srv = await startConsoleServer({ token: TOKEN, dataPrefix: 'sspr-console-pow-', env: { SSPR_RATE_LIMITS: 'on', SSPR_PROOF_OF_WORK: 'always' } });
  base = srv.base;
  const created = await api('POST', '/admin/users', { ...ADMIN, isAdmin: true });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const methods = await api('PUT', `/admin/users/${ADMIN.username}/methods`, { email: 'keeper.private@mail.example', mobilePhone: '+81 9012345678' });
  expect(methods.status, JSON.stringify(methods.body)).toBe(200);
  // The door really asks: a request without a proof is refused with a challenge.
  const bare = await fetch(`${base}/api/v1/auth/admin/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: ADMIN.username, password: ADMIN.password }) });
  expect(bare.status).toBe(428);
});

test.afterAll(async () => {
  await srv?.stop();
});

test('R41: the console solves the proof-of-work itself, says so while it works, and then checks the password', async ({ page }) => {
  test.setTimeout(120_000);
  const asked: number[] = [];
  page.on('response', (r) => void (r.url().endsWith('/auth/admin/sessions') && asked.push(r.status())));
  await page.goto(`${base}/admin/`);
  const status = page.getByRole('status').filter({ has: page.getByRole('progressbar') });
  await expect(page.locator('.proof-of-work')).toBeEmpty();

  // A wrong password: the check runs first (announced), then the ordinary refusal.
  await signIn(page, 'Not-the-Passw0rd!');
  await expect(status).toContainText('The server asks this browser for a short check');
  await expect(page.getByRole('progressbar', { name: 'Checking this browser' })).toBeVisible();
  await axe(page, 'sign-in while the browser check runs');
  await page.screenshot({ path: path.join(ARTIFACTS, 'admin-console-proof-of-work.png') });
  await expect(page.getByRole('alert')).toHaveText('The user name or password is not correct, or the account is not an administrator.');
  await expect(page.locator('.proof-of-work')).toBeEmpty();
  expect(asked).toEqual([428, 401]);

  // The right one: solved again (a proof opens one request only), then on to the methods.
  await page.getByLabel('Password', { exact: true }).fill('');
  await page.getByLabel('Password', { exact: true }).focus();
  await page.keyboard.type(ADMIN.password);
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'Verify it is you' })).toBeFocused();
  expect(asked).toEqual([428, 401, 428, 201]);
  await axe(page, 'method choice after the browser check');
});

test.describe('in Japanese', () => {
  test.use({ locale: 'ja-JP' });
  test('R41: the status is in Japanese, marked as such for screen readers', async ({ page }) => {
    await page.goto(`${base}/admin/`);
    await page.getByLabel('User name').fill(ADMIN.username);
    await page.getByLabel('Password', { exact: true }).fill('Not-the-Passw0rd!');
    await page.keyboard.press('Enter');
    const region = page.locator('.proof-of-work');
    await expect(region).toContainText('サーバーがこのブラウザーに短い確認を求めています');
    await expect(region).toHaveAttribute('lang', 'ja');
    await expect(page.getByRole('progressbar', { name: 'このブラウザーを確認しています' })).toBeVisible();
    await axe(page, 'Japanese browser check');
    await expect(page.getByRole('alert')).toBeVisible();
  });
});
