import { AxeBuilder } from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { approvalSigningString } from '../../shared/api/me.js';

/**
 * The console's two-method sign-in with a push approval as one method (R10): the administrator's
 * phone (here the test, signing as the companion app does, with the device's Ed25519 key)
 * approves with the number the console shows; the emailed code is the other method.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ARTIFACTS = path.join(ROOT, 'artifacts');
const TOKEN = 'adm_e2e_console_push_0123456789abcdef';
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const ADMIN = { username: 'pushchief', displayName: 'Push Chief', password: 'Initial-Passw0rd!x', email: 'pushchief@corp.example' };
const RESET_EMAIL = 'pushchief.private@mail.example';
const device = generateKeyPairSync('ed25519');

let dataDir: string;
let server: ChildProcess;
let base: string;
let pushMethodId: string;

async function api(method: string, p: string, body?: unknown, token = TOKEN): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/api/v1${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const outboxFile = () => path.join(dataDir, 'outbox', 'outbox.jsonl');
const outboxLines = () => (existsSync(outboxFile()) ? readFileSync(outboxFile(), 'utf8').trim().split('\n').length : 0);

async function outboxCode(to: string, after: number): Promise<string> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const lines = existsSync(outboxFile()) ? readFileSync(outboxFile(), 'utf8').trim().split('\n').slice(after) : [];
    const parsed = lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as { to: string; text: string }];
      } catch {
        return [];
      }
    });
    const hit = parsed.find((m) => m.to === to && /\b\d{6}\b/.test(m.text));
    if (hit) return /\b(\d{6})\b/.exec(hit.text)![1]!;
    if (Date.now() > deadline) throw new Error(`no outbox message to ${to}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function axe(page: Page, where: string) {
  const results = await new AxeBuilder({ page }).analyze();
  expect(
    results.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    `axe violations on ${where}`,
  ).toEqual([]);
  expect(results.passes.length).toBeGreaterThan(10);
}

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
  await build({ configFile: path.join(ROOT, 'vite.admin.config.ts'), logLevel: 'silent' });
  dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-console-push-'));
  server = spawn(TSX, ['src-server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, SSPR_PORT: '0', SSPR_DATA_DIR: dataDir, SSPR_ADMIN_TOKEN: TOKEN, SSPR_LOG_LEVEL: 'warn' },
  });
  base = await new Promise<string>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.:]+)\/api\/v1/.exec(out);
      if (m) resolve(m[1]!);
    });
    server.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
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
  mkdirSync(ARTIFACTS, { recursive: true });
});

test.afterAll(async () => {
  server?.kill('SIGTERM');
  await new Promise((r) => server?.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
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
