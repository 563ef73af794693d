// "Why can't I reset here?" (issue 13 item 1) in Chromium: the screen with the server
// stopped, a certificate from a CA this computer does not trust, this computer's clock
// two minutes ahead, and no keychain — each reached the way a person would reach it,
// axe-clean, with screenshots in English and Japanese.
import type { Page } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { E2eHost } from '../e2e-host/host.js';
import { freePort } from '../helpers/free-port.js';
import { makeTestCertificates } from '../helpers/slapd.js';
import { expectJapaneseRenders } from '../helpers/glyphs.js';
import { addResetUser, expect, expectNoAxeViolations, INITIAL_PASSWORD, screen, shot, test as base } from './fixtures.js';

/** The check's card on the diagnosis screen. */
function card(app: Page, id: string) {
  return app.locator(`[data-check="${id}"]`);
}

/** What "Copy report" had main put on the clipboard, and that it is the text the screen shows. */
async function copiedReport(app: Page, host: E2eHost): Promise<string> {
  await app.getByRole('button', { name: 'Copy report' }).click();
  await expect(app.getByText('The report is copied.')).toBeVisible();
  const copied = host.clipboard.at(-1)!;
  expect(copied.trim()).toBe((await app.getByTestId('diagnosis-report').textContent())?.trim());
  return copied;
}

/** Main's manual clock to the real time, so the clock check compares like with like. */
async function syncMainClock(host: E2eHost) {
  const behind = Date.now() - host.time.now().getTime();
  if (behind > 0) await host.time.advance(behind);
}

/** Waits for the checks, scans, screenshots; then the same in Japanese (the checks run again). */
async function showInBothLanguages(app: Page, name: string, expectJa: () => Promise<void>) {
  await expect(screen(app, 'diagnosis')).toBeVisible();
  await expect(app.locator('[data-check]').first()).toBeVisible();
  await shot(app, `diagnosis-${name}`);
  await expectNoAxeViolations(app, `diagnosis-${name}`);
  await app.getByRole('button', { name: 'Switch the language to Japanese' }).click();
  await expect(app.getByRole('heading', { level: 1 })).toHaveText('ここでリセットできないのはなぜ?');
  await expect(app.locator('[data-check]').first()).toBeVisible();
  await expectJa();
  await expectJapaneseRenders(app, '[data-screen="diagnosis"]');
  await shot(app, `ja-diagnosis-${name}`);
  await expectNoAxeViolations(app, `ja-diagnosis-${name}`);
}

const test = base.extend<{ stoppedPort: number }>({
  stoppedPort: async ({}, use) => use(await freePort()),
});

test.describe('the server is stopped', () => {
  test.use({ hostOptions: async ({ stoppedPort }, use) => use({ serverUrl: `http://127.0.0.1:${stoppedPort}` }) });

  test('from the reset wizard\'s error: the connection check fails, names the port, and Back returns to the wizard', async ({ app, host, stoppedPort }) => {
    await app.getByRole('button', { name: /Forgot your password/ }).click();
    await expect(screen(app, 'reset-identify').getByRole('alert')).toContainText('could not be reached');
    await app.getByRole('button', { name: 'Why can\'t I reset here?' }).click();
    await expect(card(app, 'tcp')).toHaveAttribute('data-verdict', 'fail');
    await expect(card(app, 'tcp')).toContainText(`Nothing answered on 127.0.0.1 port ${stoppedPort}`);
    await expect(card(app, 'tcp')).toContainText('What to do:');
    await expect(card(app, 'ready')).toHaveAttribute('data-verdict', 'skipped');

    // "Copy report": the clipboard holds the same plain text the screen shows.
    const copied = await copiedReport(app, host);
    expect(copied).toContain('[Problem] Connecting to the server');
    expect(copied).toContain(`port=${stoppedPort}`);

    await showInBothLanguages(app, 'server-down', async () => {
      await expect(card(app, 'tcp')).toContainText('サーバーへの接続');
      await expect(card(app, 'tcp')).toContainText('問題あり');
    });
    await app.getByRole('button', { name: '戻る' }).click();
    await expect(screen(app, 'reset-identify')).toBeVisible();
  });
});

test.describe('a certificate from a CA this computer does not trust, at a kiosk', () => {
  const tlsTest = test.extend<{ wrongCa: { url: string } }>({
    wrongCa: async ({}, use) => {
      const dir = mkdtempSync(path.join(tmpdir(), 'sspr-wrong-ca-'));
      const { certFile, keyFile } = await makeTestCertificates(dir);
      const server = https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (_req, res) => res.end('{}'));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      await use({ url: `https://127.0.0.1:${(server.address() as AddressInfo).port}` });
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
    hostOptions: async ({ wrongCa }, use) => use({ serverUrl: wrongCa.url, kiosk: true }),
  });

  tlsTest('the certificate check names the untrusted issuer and says not to continue on this network', async ({ app }) => {
    await expect(screen(app, 'reset-identify')).toBeVisible();
    await app.getByRole('button', { name: 'Why can\'t I reset here?' }).click();
    await expect(card(app, 'tls')).toHaveAttribute('data-verdict', 'fail');
    await expect(card(app, 'tls')).toContainText('issued by "SSPR Test CA", which this computer does not trust');
    await expect(card(app, 'mode')).toContainText('As a kiosk');
    await expect(card(app, 'tcp')).toHaveAttribute('data-verdict', 'ok');
    await showInBothLanguages(app, 'wrong-ca', async () => {
      await expect(card(app, 'tls')).toContainText('信頼されていません');
    });
  });
});

test.describe('this computer\'s clock is two minutes ahead', () => {
  test('a signed-in user opens the diagnosis from the tray: the clock fails, the account passes, and the report holds no password', async ({ app, host }) => {
    await host.server.setPolicy((p) => {
      p.sspr.methodsRequired = 1;
    });
    await addResetUser(host, 'kaito');
    await app.getByLabel('User name').fill('kaito');
    await app.getByLabel('Password', { exact: true }).fill(INITIAL_PASSWORD);
    await app.keyboard.press('Enter');
    await expect(screen(app, 'home')).toBeVisible();

    await syncMainClock(host);
    await host.time.advance(120_000);
    // What the tray's "Why can't I reset here?" sends.
    host.events.emit('app:navigate', { screen: 'diagnosis' });
    await expect(card(app, 'clock')).toHaveAttribute('data-verdict', 'fail');
    await expect(card(app, 'clock')).toContainText('Codes from an authenticator app will be refused');
    await expect(card(app, 'account')).toHaveAttribute('data-verdict', 'ok');
    await expect(card(app, 'account')).toContainText('kaito can reset their password here');

    const copied = await copiedReport(app, host);
    expect(copied).toContain('[Problem] This computer\'s clock');
    expect(copied).not.toContain(INITIAL_PASSWORD);
    expect(copied).not.toMatch(/Bearer|eyJ/);

    await showInBothLanguages(app, 'clock-skew', async () => {
      await expect(card(app, 'clock')).toContainText('認証アプリのコードは拒否されます');
    });
    await app.getByRole('button', { name: '戻る' }).click();
    await expect(screen(app, 'home')).toBeVisible();
  });
});

test.describe('no keychain, started with --diagnose', () => {
  test.use({ hostOptions: { keychain: false, openDiagnosis: true } });

  test('the diagnosis is the first screen; the keychain check warns and says what is lost; the rest passes', async ({ app, host }) => {
    await expect(screen(app, 'diagnosis')).toBeVisible();
    await expect(card(app, 'keychain')).toHaveAttribute('data-verdict', 'warn');
    await expect(card(app, 'keychain')).toContainText('no Secret Service on the session bus');
    await syncMainClock(host);
    await app.getByRole('button', { name: 'Check again' }).click();
    for (const id of ['server-url', 'tcp', 'tls', 'api-version', 'clock', 'ready']) await expect(card(app, id)).toHaveAttribute('data-verdict', 'ok');
    await expect(card(app, 'account')).toHaveAttribute('data-verdict', 'skipped');
    await showInBothLanguages(app, 'no-keychain', async () => {
      await expect(card(app, 'keychain')).toContainText('キーチェーンを使用できません');
    });
    await app.getByRole('button', { name: '戻る' }).click();
    await expect(screen(app, 'sign-in')).toBeVisible();
  });
});

test.describe('at the sign-in screen (--logon), the server stopped', () => {
  test.use({ hostOptions: async ({ stoppedPort }, use) => use({ serverUrl: `http://127.0.0.1:${stoppedPort}`, logon: true }) });

  test('the diagnosis runs, names no account, and offers no "Copy report": nothing leaves the app', async ({ app }) => {
    await app.getByRole('button', { name: 'Why can\'t I reset here?' }).click();
    await expect(card(app, 'tcp')).toHaveAttribute('data-verdict', 'fail');
    await expect(card(app, 'mode')).toContainText('From the computer\'s sign-in screen');
    await expect(card(app, 'keychain')).toContainText('nothing is kept, by design');
    await expect(card(app, 'account')).toHaveAttribute('data-verdict', 'skipped');
    await expect(app.getByRole('button', { name: 'Check again' })).toBeVisible();
    await expect(app.getByRole('button', { name: 'Copy report' })).toHaveCount(0);
    await shot(app, 'diagnosis-logon');
    await expectNoAxeViolations(app, 'diagnosis-logon');
  });
});
