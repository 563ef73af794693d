import { expect, test } from '@playwright/test';
import { generateKeyPairSync, sign } from 'node:crypto';
import path from 'node:path';
import { approvalSigningString } from '../../shared/api/me.js';
import { ARTIFACTS, expectNoAxeViolations as axe, startConsoleServer, type ConsoleServer } from '../helpers/console-server.js';

/**
 * The console's two-method sign-in with a push approval as one method (R10): the administrator's
 * phone (here the test, signing as the companion app does, with the device's Ed25519 key)
 * approves with the number the console shows; the emailed code is the other method.
 */
const TOKEN = 'adm_e2e_console_push_0123456789abcdef';
const ADMIN = { username: 'pushchief', displayName: 'Push Chief', password: 'Initial-Passw0rd!x', email: 'pushchief@corp.example' };
const RESET_EMAIL = 'pushchief.private@mail.example';
const device = generateKeyPairSync('ed25519');

let srv: ConsoleServer;
let base: string;
let pushMethodId: string;

const api = (method: string, p: string, body?: unknown, token?: string) => srv.api(method, p, body, token);
const outboxLines = () => srv.outboxLines();
const outboxCode = (to: string, after: number) => srv.outboxCode(to, after);

/** The companion app on the administrator's phone: signed in, it sees the approval and signs its answer. */
async function approveOnDevice(number: number, approve = true): Promise<void> {
  const signedIn = await api('POST', '/auth/sign-in', { username: ADMIN.username, password: ADMIN.password }, '');
  expect(signedIn.status, JSON.stringify(signedIn.body)).toBe(200);
  const access = signedIn.body.accessToken as string;
  let approvals: Array<{ id: string; status: string }> = [];
  await expect.poll(async () => (approvals = (await api('GET', '/me/approvals', undefined, access)).body.approvals).length).toBeGreaterThan(0);
  const id = approvals[0]!.id;
  const signature = sign(null, Buffer.from(approvalSigningString(id, approve, number)), device.privateKey).toString('base64');
  const decided = await api('POST', `/me/approvals/${id}`, { approve, number, methodId: pushMethodId, signature }, access);
  expect(decided.status, JSON.stringify(decided.body)).toBe(200);
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  srv = await startConsoleServer({ token: TOKEN, dataPrefix: 'sspr-console-push-' });
  base = srv.base;
  // First run: the set-up token makes the administrator, a reset address and a pass; the
  // administrator steps up with the pass and registers the phone's push key (R31, R26).
  expect((await api('POST', '/admin/users', { ...ADMIN, isAdmin: true })).status).toBe(201);
  expect((await api('PUT', `/admin/users/${ADMIN.username}/methods`, { email: RESET_EMAIL })).status).toBe(200);
  const pass = await api('POST', `/admin/users/${ADMIN.username}/access-pass`, {});
  expect(pass.status).toBe(201);
  const signedIn = await api('POST', '/auth/sign-in', { username: ADMIN.username, password: ADMIN.password }, '');
  const access = signedIn.body.accessToken as string;
  expect((await api('POST', '/me/step-up/pass', { pass: pass.body.pass }, access)).status).toBe(200);
  const publicKey = device.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  const registered = await api('POST', '/me/methods', { type: 'authenticatorPush', deviceName: 'Chief phone', publicKey }, access);
  expect(registered.status, JSON.stringify(registered.body)).toBe(201);
  pushMethodId = registered.body.method.id;
  // Two methods held: the set-up token is closed (R33).
  expect((await api('GET', '/admin/policy')).status).toBe(403);
});

test.afterAll(async () => {
  await srv?.stop();
});

test('R10: an administrator signs in to the console with a push approval (number matching) and an emailed code', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto(`${base}/admin/`);
  await page.getByLabel('User name').fill(ADMIN.username);
  await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
  await page.getByLabel('Password', { exact: true }).press('Enter');

  await expect(page.getByRole('heading', { name: 'Verify it is you' })).toBeFocused();
  const pushChoice = page.getByRole('radio', { name: /^Approve a notification on Chief phone/ });
  await pushChoice.check();
  await pushChoice.press('Enter');
  await expect(page.getByRole('heading', { name: 'Approve on your device' })).toBeVisible();
  const shown = Number(await page.locator('.number-match').textContent());
  expect(shown).toBeGreaterThanOrEqual(0);
  await expect(page.getByRole('status')).toHaveText('Waiting for your approval…');
  await axe(page, 'waiting for the push approval');
  await page.screenshot({ path: path.join(ARTIFACTS, 'admin-console-sign-in-push.png') });

  // A wrong number on the phone is a denial: the console says so and offers the methods again.
  await approveOnDevice((shown + 1) % 100);
  await expect(page.getByRole('alert')).toHaveText('The notification was denied, or the wrong number was picked. Choose a method to try again.');
  await axe(page, 'push denied');
  await page.getByRole('radio', { name: /^Approve a notification on Chief phone/ }).check();
  await page.getByRole('radio', { name: /^Approve a notification on Chief phone/ }).press('Enter');
  const second = Number(await page.locator('.number-match').textContent());
  await approveOnDevice(second);

  // The push passed the first gate; the emailed code is the second.
  await expect(page.getByRole('heading', { name: 'Verify a second method' })).toBeFocused();
  await expect(page.getByText('Step 2 of 2')).toBeVisible();
  await expect(page.getByRole('radio', { name: /^Approve a notification on/ })).toHaveCount(0);
  const before = outboxLines();
  await page.getByRole('radio', { name: /^Email a code to/ }).check();
  await page.getByRole('radio', { name: /^Email a code to/ }).press('Enter');
  await expect(page.getByRole('heading', { name: 'Enter the code' })).toBeFocused();
  await page.getByLabel('Code').fill(await outboxCode(RESET_EMAIL, before));
  await page.getByLabel('Code').press('Enter');

  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  const stored = await page.evaluate(() => (globalThis as any).sessionStorage.getItem('sspr-admin-token') as string | null);
  expect((await api('GET', '/admin/policy', undefined, stored!)).status).toBe(200);
  await axe(page, 'console after a push sign-in');
  const signins = (await api('GET', '/admin/audit?type=admin.signin', undefined, stored!)).body.events as Array<{ result: string; actor?: string }>;
  expect(signins.some((e) => e.result === 'success' && e.actor === ADMIN.username)).toBe(true);
});
