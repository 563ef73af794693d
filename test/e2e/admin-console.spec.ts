import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ARTIFACTS, expectNoAxeViolations as axe, ROOT, startConsoleServer, TSX, type ConsoleServer } from '../helpers/console-server.js';
import { expectJapaneseRenders } from '../helpers/glyphs.js';

/**
 * The admin web console against the real server process (`tsx src-server/main.ts`, as
 * `npm run server` starts it) in Chromium: set the policy in the editor, import phones with
 * the CLI, watch an API reset reach the chart and table within a second, download the CSV.
 */
const TOKEN = 'adm_e2e_console_token_0123456789abcdef';

let srv: ConsoleServer;
let dataDir: string;
let base: string;
const api = (method: string, p: string, body?: unknown) => srv.api(method, p, body);

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(TSX, args, { cwd: ROOT, env: { ...process.env, SSPR_DATA_DIR: dataDir, SSPR_LOG_LEVEL: 'silent' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const outboxCode = (to: string, after: number) => srv.outboxCode(to, after);
const outboxLines = () => srv.outboxLines();

async function signIn(page: Page) {
  await page.goto(`${base}/admin/`);
  await page.getByText('Use a set-up token').click();
  await page.getByLabel('Administrator token').fill(TOKEN);
  await page.getByRole('button', { name: 'Sign in with the token' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  srv = await startConsoleServer({ token: TOKEN, dataPrefix: 'sspr-console-' });
  ({ dataDir, base } = srv);
  for (const [username, displayName, email] of [
    ['山田太郎', '山田 太郎', 'taro@corp.example'],
    ['hanako', 'Hanako Sato', 'hanako@corp.example'],
    ['jiro', 'Jiro Suzuki', 'jiro@corp.example'],
  ] as const) {
    const r = await api('POST', '/admin/users', { username, displayName, password: 'Initial-Passw0rd!x', email });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
  }
});

test.afterAll(async () => {
  await srv?.stop();
});

test('R25/R17b: the console is served with a strict CSP and asks for the admin token', async ({ page }) => {
  const res = await page.goto(`${base}/admin/`);
  const csp = res!.headers()['content-security-policy']!;
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(res!.headers()['x-frame-options']).toBe('DENY');
  await page.getByText('Use a set-up token').click();
  await page.getByLabel('Administrator token').fill('not-the-token-000000000000000');
  await page.getByRole('button', { name: 'Sign in with the token' }).click();
  await expect(page.getByRole('alert')).toHaveText('This token is not accepted.');
  await axe(page, 'sign-in');
  expect(await page.evaluate(() => (globalThis as any).sessionStorage.length)).toBe(0);
  await page.screenshot({ path: path.join(ARTIFACTS, 'admin-console-signin.png') });
});

test('R1–R25: sets the policy in the editor, with clear field errors first', async ({ page }) => {
  await signIn(page);
  const policy = page.locator('#policy');
  const reconfirm = policy.getByLabel(/reconfirm their methods/);
  // Rule ids are for engineers (docs/rules.md), not for the administrator's screen.
  await expect(policy.locator('legend').first()).toBeVisible();
  expect((await policy.locator('legend').allTextContents()).join(' | ')).not.toMatch(/\bR\d/);
  await reconfirm.fill('9999');
  await expect(policy.locator('#policy-sspr-reconfirmAfterDays-error')).toBeVisible();
  await expect(reconfirm).toHaveAttribute('aria-invalid', 'true');
  await policy.getByRole('button', { name: 'Save policy' }).click();
  await expect(policy.getByRole('alert')).toHaveText('Fix 1 field(s) before saving.');
  await expect(reconfirm).toBeFocused();
  await reconfirm.fill('90');
  await policy.getByLabel('Security questions', { exact: true }).uncheck();
  await policy.getByLabel(/Authenticator notification/).uncheck();
  await policy.getByLabel('Organisation name').fill('株式会社サンプル');
  await policy.getByRole('button', { name: 'Save policy' }).click();
  await expect(policy.getByRole('status')).toHaveText('Policy saved.');
  await expect(page.locator('.org')).toHaveText(' — 株式会社サンプル');
  await expectJapaneseRenders(page, '.org');
  const saved = (await api('GET', '/admin/policy')).body;
  expect(saved.sspr.reconfirmAfterDays).toBe(90);
  expect(saved.sspr.methods).toEqual(['email', 'mobilePhone', 'officePhone', 'authenticatorCode']);
  expect(saved.branding.organizationName).toBe('株式会社サンプル');
  const audit = (await api('GET', '/admin/audit?type=admin.policy')).body.events[0];
  expect(audit.actor).toBe('bootstrap');
  await axe(page, 'console with the policy editor');
  await page.screenshot({ path: path.join(ARTIFACTS, 'admin-console-policy.png'), fullPage: true });
});

test.describe('R4/R17b: imported phones reset a password; it shows in the chart and table within a second; the CSV matches', () => {
  // One console page, step by step: each case continues from the one before (the file runs in order).
  let context: BrowserContext;
  let page: Page;
  let seenAfter: number;
  const started = () => page.getByTestId('figure-started').locator('.value');
  const succeeded = () => page.getByTestId('figure-succeeded').locator('.value');
  test.beforeAll(async ({ browser }) => {
    context = await browser.newContext();
    page = await context.newPage();
  });
  test.afterAll(async () => {
    await context.close();
    console.log(`reset visible in the console ${seenAfter} ms after it committed`);
  });

  test('R4: phones imported with the CLI count in the coverage figure; nothing started yet', async () => {
    const csv = path.join(dataDir, 'phones.csv');
    writeFileSync(csv, '\uFEFFusername,email,mobilePhone,officePhone\r\n山田太郎,,+81 9012345678,\r\nhanako,,+81 9087654321,+81 312345678\r\n');
    const imported = await run(['src-server/cli/admin.ts', 'import', csv]);
    expect(imported.code, imported.stderr).toBe(0);

    await signIn(page);
    await expect(page.getByTestId('figure-coverage').locator('.note')).toHaveText('2 of 3 users in scope');
    await expect(started()).toHaveText('0');
  });

  test('R17b: a reset by texted code shows in the figures, both charts and the table within a second', async () => {
    const session = (await api('POST', '/reset/sessions', { username: '山田太郎' })).body;
    const sms = session.methods.find((m: { type: string }) => m.type === 'mobilePhone');
    const before = outboxLines();
    const headers = { authorization: `Bearer ${session.sessionToken}`, 'content-type': 'application/json' };
    const ch: any = await (await fetch(`${base}/api/v1/reset/session/challenges`, { method: 'POST', headers, body: JSON.stringify({ methodId: sms.id, channel: 'sms' }) })).json();
    const code = await outboxCode('+81 9012345678', before);
    expect((await fetch(`${base}/api/v1/reset/session/challenges/${ch.challengeId}/verify`, { method: 'POST', headers, body: JSON.stringify({ code }) })).status).toBe(200);
    const done = await fetch(`${base}/api/v1/reset/session/password`, { method: 'POST', headers, body: JSON.stringify({ newPassword: 'Fuji-Yama-Snow-88', unlockAccount: true }) });
    expect(done.status).toBe(200);
    const committed = Date.now();

    const row = page.getByTestId('events').locator('tr', { hasText: 'reset.password' }).filter({ hasText: '山田太郎' });
    await expect(row).toBeVisible({ timeout: 1000 });
    await expect(succeeded()).toHaveText('1', { timeout: Math.max(1, 1000 - (Date.now() - committed)) });
    seenAfter = Date.now() - committed;
    expect(seenAfter).toBeLessThan(1000);
    await expect(started()).toHaveText('1');
    await expect(page.getByTestId('resets-chart').locator('title')).toContainText('1 started, 1 succeeded');
    await expect(page.getByTestId('methods-chart').locator('[data-method="mobilePhone"]')).toHaveAttribute('data-verifications', '1');
    await expect(row).toContainText('success');
  });

  test('R17b: the CSV the console downloads is byte for byte the API\'s, with a BOM and the reset in it', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^activity-\d{4}-\d{2}-\d{2}\.csv$/);
    const fromConsole = readFileSync(await download.path());
    const fromApi = Buffer.from(await (await fetch(`${base}/api/v1/admin/reports/activity?format=csv&sort=desc`, { headers: { authorization: `Bearer ${TOKEN}` } })).arrayBuffer());
    expect(fromConsole.equals(fromApi)).toBe(true);
    expect([...fromConsole.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = fromConsole.toString('utf8');
    expect(text).toMatch(/\r\n[^,]+,reset\.password,山田太郎,,,success,/);
    writeFileSync(path.join(ARTIFACTS, 'admin-console-activity.csv'), fromConsole);
    await expect(page.getByRole('status').first()).toContainText(/Downloaded activity-.*\.csv/);
  });

  test('the report filters narrow the table to the one verification; the page stays axe-clean', async () => {
    const filters = page.getByRole('form', { name: 'Report filters' });
    await filters.getByLabel('User').fill('山田太郎');
    await filters.getByLabel('Event type').fill('reset.verify');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page.getByTestId('events').locator('tbody tr')).toHaveCount(1);
    await expect(page.getByTestId('events').locator('tbody tr')).toContainText('mobilePhone');

    await axe(page, 'console with data');
    await page.screenshot({ path: path.join(ARTIFACTS, 'admin-console-dashboard.png'), fullPage: true });
  });
});

test('R34/R35/R36: banned words, the methods each gate allows and expiry reminders are set in the editor', async ({ page }) => {
  await signIn(page);
  const policy = page.locator('#policy');
  await policy.getByLabel(/Banned words/).fill('Contoso\nShinjuku\nabc');
  await expect(policy.locator('#policy-password-bannedTerms-error')).toBeVisible();
  await policy.getByLabel(/Banned words/).fill('Contoso\nShinjuku');
  await policy.getByLabel('Methods required to reset').selectOption('2');
  const first = policy.getByRole('group', { name: /first gate/ });
  await first.getByLabel('Authenticator code').check();
  // Email, mobile and office phone are still on: someone holding two of them would be stuck.
  await expect(policy.locator('#policy-sspr-firstGate-error')).toContainText('a user registered with only email and mobilePhone would have no way through the gates');
  await policy.getByRole('button', { name: 'Save policy' }).click();
  await expect(policy.getByRole('alert')).toHaveText('Fix 1 field(s) before saving.');
  await policy.getByLabel(/Mobile phone \(SMS/).uncheck();
  await policy.getByLabel(/Office phone \(voice/).uncheck();
  await expect(policy.locator('#policy-sspr-firstGate-error')).toHaveCount(0);
  await policy.getByLabel(/Email users before their password expires/).check();
  await policy.getByRole('button', { name: 'Save policy' }).click();
  await expect(policy.getByRole('status')).toHaveText('Policy saved.');
  const saved = (await api('GET', '/admin/policy')).body;
  expect(saved.password.bannedTerms).toEqual(['Contoso', 'Shinjuku']);
  expect(saved.sspr).toMatchObject({ methodsRequired: 2, methods: ['email', 'authenticatorCode'], firstGate: ['authenticatorCode'] });
  expect(saved.expiryReminders).toEqual({ enabled: true });
  // The public policy has the gates and a digest, never the words.
  const pub = await (await fetch(`${base}/api/v1/policy`)).text();
  expect(pub).toContain('"firstGate":["authenticatorCode"]');
  expect(pub).not.toMatch(/contoso|shinjuku/i);
  await axe(page, 'policy editor with the new fields');
  await page.screenshot({ path: path.join(ARTIFACTS, 'admin-console-policy-features.png'), fullPage: true });
});

test('R31: the helpdesk issues a Temporary Access Pass in the console: a user, a lifetime, one use; shown once with a copy button, and it steps the user up once', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await signIn(page);
  const section = page.locator('#access-pass');
  await expect(section.getByRole('heading', { name: 'Temporary Access Pass' })).toBeVisible();
  await section.getByRole('button', { name: 'Issue pass' }).click();
  await expect(section.getByRole('alert')).toHaveText('User: enter the user name.');
  await expect(section.getByLabel('User')).toBeFocused();
  await section.getByLabel('User').fill('nobody-at-all');
  await section.getByRole('button', { name: 'Issue pass' }).click();
  await expect(section.getByRole('alert')).toHaveText('No user is named nobody-at-all.');
  await axe(page, 'access pass form with an error');

  // Typing part of a name offers the matching users.
  await section.getByLabel('User').fill('han');
  await expect(section.locator('#pass-user-matches option[value="hanako"]')).toHaveCount(1);
  await section.getByLabel('User').fill('hanako');
  await section.getByLabel('Valid for').selectOption({ label: '30 minutes' });
  await expect(section.getByLabel('One use only')).toBeChecked();
  const before = outboxLines();
  await section.getByRole('button', { name: 'Issue pass' }).click();
  const shown = section.getByRole('region', { name: /^Temporary Access Pass for hanako, valid until .* UTC, for one use\./ });
  await expect(shown).toBeVisible();
  const pass = await shown.getByLabel('Pass').inputValue();
  expect(pass).toMatch(/^[A-Z2-9]{4}(-[A-Z2-9]{4}){3}$/);
  await shown.getByRole('button', { name: 'Copy' }).click();
  await expect(shown.getByRole('status')).toHaveText('Copied to the clipboard.');
  expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(pass);
  await axe(page, 'access pass shown once');
  await page.screenshot({ path: path.join(ARTIFACTS, 'admin-console-access-pass.png') });

  // The user is told by email (never the pass), the issue is audited, and the pass works once.
  await expect.poll(() => outboxLines()).toBeGreaterThan(before);
  const notice = readFileSync(path.join(dataDir, 'outbox', 'outbox.jsonl'), 'utf8').trim().split('\n').slice(before).map((l) => JSON.parse(l) as { to: string; text: string });
  expect(notice.some((m) => m.to === 'hanako@corp.example')).toBe(true);
  for (const m of notice) expect(m.text).not.toContain(pass);
  const audit = (await api('GET', '/admin/audit?type=admin.accesspass&user=hanako')).body.events as Array<{ actor?: string; detail?: { lifetimeMinutes?: number; oneTime?: boolean } }>;
  expect(audit[0]).toMatchObject({ actor: 'bootstrap', detail: { lifetimeMinutes: 30, oneTime: true } });
  const signedIn = await fetch(`${base}/api/v1/auth/sign-in`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'hanako', password: 'Initial-Passw0rd!x' }) });
  const access = ((await signedIn.json()) as { accessToken: string }).accessToken;
  const stepUp = () => fetch(`${base}/api/v1/me/step-up/pass`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${access}` }, body: JSON.stringify({ pass }) });
  expect((await stepUp()).status).toBe(200);
  expect((await stepUp()).status).not.toBe(200);
});
