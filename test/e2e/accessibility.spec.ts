import type { Page } from '@playwright/test';
import type { E2eHost } from '../e2e-host/host.js';
import { addResetUser, expect, expectNoAxeViolations, INITIAL_PASSWORD, mailbox, screen, shot, test } from './fixtures.js';
import { expectJapaneseRenders } from '../helpers/glyphs.js';

const REGISTRATION_FORMS = ['email', 'mobilePhone', 'officePhone', 'authenticatorCode', 'securityQuestions', 'authenticatorPush'];

async function scan(page: Page, name: string, scanned: string[]): Promise<void> {
  await expectNoAxeViolations(page, name);
  scanned.push(name);
}

/** 200% zoom halves the CSS viewport: nothing may need horizontal scrolling or be cut off. */
async function fitsAtDoubleZoom(page: Page, name: string): Promise<void> {
  const size = page.viewportSize()!;
  await page.setViewportSize({ width: Math.floor(size.width / 2), height: Math.floor(size.height / 2) });
  const overflow = await page.evaluate(() => {
    const d = (globalThis as any).document.documentElement;
    return d.scrollWidth - d.clientWidth;
  });
  expect(overflow, `${name} scrolls sideways at 200% zoom`).toBeLessThanOrEqual(0);
  await shot(page, `zoom200-${name}`);
  await page.setViewportSize(size);
}

/** Locks `username` out of reset through the API: 5 wrong codes (R11a). */
async function lockOut(host: E2eHost, username: string): Promise<void> {
  const started = await host.server.api('POST', '/reset/sessions', { body: { username } });
  const token = started.body.sessionToken as string;
  const email = (started.body.methods as Array<{ id: string; type: string }>).find((m) => m.type === 'email')!;
  const challenge = await host.server.api('POST', '/reset/session/challenges', { token, body: { methodId: email.id } });
  for (let i = 0; i < 5; i++) {
    await host.server.api('POST', `/reset/session/challenges/${challenge.body.challengeId}/verify`, { token, body: { code: '000000' } });
  }
}

test.beforeEach(async ({ host }) => {
  await host.server.setPolicy((p) => {
    p.sspr.methodsRequired = 1;
    p.branding.organizationName = 'Contoso';
    p.branding.contactAdmin = 'helpdesk@contoso.example';
  });
  await addResetUser(host, 'nina', 'nina.home@example.net', { displayName: 'Nina Berg' });
  await addResetUser(host, 'olaf', 'olaf.home@example.net');
  await lockOut(host, 'olaf');
});

// Every screen is scanned by one of the cases below (22 in all, the Japanese kiosk aside); each
// case names the screens it scanned, so none is dropped unnoticed.
test.describe('a11y: no axe-core violations on any screen, and the main screens work at 200% zoom', () => {
  test('sign-in, with and without an error', async ({ app }) => {
    const scanned: string[] = [];
    await scan(app, 'sign-in', scanned);
    await fitsAtDoubleZoom(app, 'sign-in');
    await app.getByLabel('User name').fill('nina');
    await app.getByLabel('Password', { exact: true }).fill('not-her-password');
    await app.keyboard.press('Enter');
    await expect(app.getByRole('alert')).toBeVisible();
    await scan(app, 'sign-in-error', scanned);
    expect(scanned).toEqual(['sign-in', 'sign-in-error']);
  });

  test('reset: identify (empty → error), methods, code with a wrong code, new password, done', async ({ app, host }) => {
    const scanned: string[] = [];
    const mail = mailbox(host);
    await app.getByRole('button', { name: /Forgot your password/ }).click();
    await scan(app, 'reset-identify', scanned);
    await app.getByRole('button', { name: 'Continue' }).click();
    await expect(app.getByText('Enter your user name.')).toBeVisible();
    await scan(app, 'reset-identify-error', scanned);
    await app.getByLabel('User name').fill('nina');
    await app.keyboard.press('Enter');
    await expect(screen(app, 'reset-verify-1')).toBeVisible();
    await scan(app, 'reset-methods', scanned);
    await fitsAtDoubleZoom(app, 'reset-methods');
    await app.getByRole('button', { name: /Email a code/ }).click();
    const code = await mail.nextCode('nina.home@example.net');
    await app.getByLabel('Code').fill(code === '000000' ? '111111' : '000000');
    await expect(app.getByText(/attempts left/)).toBeVisible();
    await scan(app, 'reset-code-error', scanned);
    await fitsAtDoubleZoom(app, 'reset-code-error');
    await app.getByLabel('Code').fill(code);
    await expect(screen(app, 'reset-password')).toBeVisible();
    await app.getByLabel('New password', { exact: true }).fill('nina');
    await scan(app, 'reset-password', scanned);
    await fitsAtDoubleZoom(app, 'reset-password');
    await app.getByLabel('New password', { exact: true }).fill('Silver-Birch-Compass-31');
    await app.getByLabel('Type it again').fill('Silver-Birch-Compass-30');
    await app.getByRole('button', { name: 'Reset password' }).click();
    await scan(app, 'reset-password-mismatch', scanned);
    await app.getByLabel('Type it again').fill('Silver-Birch-Compass-31');
    await app.getByRole('button', { name: 'Reset password' }).click();
    await expect(screen(app, 'reset-done')).toBeVisible();
    await scan(app, 'reset-done', scanned);
    await fitsAtDoubleZoom(app, 'reset-done');
    expect(scanned).toEqual(['reset-identify', 'reset-identify-error', 'reset-methods', 'reset-code-error', 'reset-password', 'reset-password-mismatch', 'reset-done']);
  });

  test('R11a: locked out', async ({ app }) => {
    const scanned: string[] = [];
    await app.getByRole('button', { name: /Forgot your password/ }).click();
    await app.getByLabel('User name').fill('olaf');
    await app.keyboard.press('Enter');
    await expect(screen(app, 'reset-locked')).toBeVisible();
    await scan(app, 'reset-locked', scanned);
    await shot(app, 'reset-locked-olaf');
    expect(scanned).toEqual(['reset-locked']);
  });

  test('R13: the 15-minute session ends', async ({ app, host }) => {
    const scanned: string[] = [];
    await app.getByRole('button', { name: /Forgot your password/ }).click();
    await app.getByLabel('User name').fill('nina');
    await app.keyboard.press('Enter');
    await expect(screen(app, 'reset-verify-1')).toBeVisible();
    // Only the server's clock: main's idle timer would otherwise wipe the flow first.
    host.server.clock.advanceMinutes(16);
    await app.getByRole('button', { name: /Email a code/ }).click();
    await expect(screen(app, 'reset-expired')).toBeVisible();
    await scan(app, 'reset-expired', scanned);
    await shot(app, 'reset-expired');
    await app.getByRole('button', { name: 'Start over' }).click();
    await app.getByRole('button', { name: 'Back' }).click();
    await expect(app.getByLabel('Password', { exact: true })).toBeVisible();
    expect(scanned).toEqual(['reset-expired']);
  });

  test('signed in: home, every registration form, change password, approvals', async ({ app, host }) => {
    test.setTimeout(120_000);
    const scanned: string[] = [];
    const mail = mailbox(host);
    await app.getByLabel('User name').fill('nina');
    await app.getByLabel('Password', { exact: true }).fill(INITIAL_PASSWORD);
    await app.keyboard.press('Enter');
    await expect(screen(app, 'home')).toBeVisible();
    await expect(app.getByTestId('days-until-expiry')).toBeVisible();
    await scan(app, 'home', scanned);
    await fitsAtDoubleZoom(app, 'home');
    // R26: Nina holds an email, so the first change asks this sign-in to prove it (scanned too).
    await app.locator('[data-add="email"]').click();
    await expect(app.locator('[data-step-up="needed"] [data-method="email"]')).toBeVisible();
    await scan(app, 'step-up', scanned);
    await app.locator('[data-step-up="needed"] [data-method="email"]').click();
    await app.getByRole('textbox', { name: 'Code' }).fill(await mail.nextCode('nina.home@example.net'));
    await expect(app.getByText('Confirmed. You can change your methods for the next 10 minutes.')).toBeVisible();
    await app.getByRole('button', { name: 'Cancel' }).click();
    for (const type of REGISTRATION_FORMS) {
      await app.locator(`[data-add="${type}"]`).click();
      await expect(screen(app, `register-${type}`)).toBeVisible();
      await expect(app.getByText('Loading…')).toHaveCount(0);
      await scan(app, `register-${type}`, scanned);
      await app.getByRole('button', { name: 'Cancel' }).click();
    }
    await app.locator('[data-add="mobilePhone"]').click();
    await app.getByLabel('Phone number').fill('+81 9012345678');
    await app.getByRole('button', { name: 'Send code' }).click();
    await expect(app.getByText(/We sent a 6-digit code by text message/)).toBeVisible();
    await scan(app, 'register-phone-code', scanned);
    await app.getByRole('button', { name: 'Cancel' }).click();
    await app.getByRole('button', { name: 'Change password' }).click();
    await scan(app, 'change-password', scanned);
    await app.getByRole('button', { name: 'Cancel' }).click();
    await app.evaluate(() => (globalThis as any).__companionEmit('app:navigate', { screen: 'approvals' }));
    await expect(screen(app, 'approvals')).toBeVisible();
    await scan(app, 'approvals', scanned);
    expect(scanned).toEqual(['home', 'step-up', ...REGISTRATION_FORMS.map((type) => `register-${type}`), 'register-phone-code', 'change-password', 'approvals']);
  });
});

test.describe('Japanese kiosk', () => {
  test.use({ locale: 'ja-JP', hostOptions: { kiosk: true, locale: 'ja' } });

  test('a11y: the Japanese kiosk screens have no axe-core violations', async ({ app, host }) => {
    const scanned: string[] = [];
    const mail = mailbox(host);
    await expect(screen(app, 'reset-identify')).toBeVisible();
    await scan(app, 'kiosk-ja-identify', scanned);
    await app.getByLabel('ユーザー名').fill('nina');
    await app.keyboard.press('Enter');
    await expect(screen(app, 'reset-verify-1')).toBeVisible();
    await scan(app, 'kiosk-ja-methods', scanned);
    await expectJapaneseRenders(app, 'h1');
    await shot(app, 'kiosk-ja-methods');
    await app.locator('[data-method="email"]').click();
    await app.getByLabel('コード').fill(await mail.nextCode('nina.home@example.net'));
    await expect(screen(app, 'reset-password')).toBeVisible();
    await scan(app, 'kiosk-ja-password', scanned);
    expect(scanned).toHaveLength(3);
  });
});
