import { LOGON_EXIT_CODES } from '../../src-main/common/logon-mode.js';
import { addResetUser, expect, expectNoAxeViolations, mailbox, screen, shot, test } from './fixtures.js';

// Logon mode (--logon) as main.ts sets it up: kiosk forced, no keychain, no OS shell, and the
// way out is back to the sign-in screen with an exit code (docs/logon-integration.md).
test.use({ hostOptions: { logon: true } });

test.beforeEach(async ({ host }) => {
  await host.server.setPolicy((p) => {
    p.sspr.methodsRequired = 1;
    p.branding.contactAdmin = 'helpdesk@contoso.example';
  });
});

test('logon: reset and unlock only, nothing that leaves the app, then back to sign-in with exit code 0', async ({ app, host }) => {
  const { recoveryEmail } = await addResetUser(host, 'rin');
  const mail = mailbox(host);
  await expect(screen(app, 'reset-identify')).toBeVisible();
  // No sign-in, no settings, no links: the one way out is back to the OS sign-in screen.
  await expect(app.getByRole('button', { name: /^(Sign in|Back|Settings)$/ })).toHaveCount(0);
  await expect(app.locator('a[href]:not(.skip-link)')).toHaveCount(0);
  await expect(app.getByRole('button', { name: 'Back to the sign-in screen' })).toBeVisible();
  expect(await app.evaluate(`companion.invoke('app:getInfo')`)).toMatchObject({ ok: true, value: { kioskMode: true, logonMode: true, keychainAvailable: false } });
  await expectNoAxeViolations(app, 'logon-identify');
  await shot(app, 'logon-identify');

  await app.getByLabel('User name').fill('rin');
  await app.keyboard.press('Enter');
  await app.getByRole('button', { name: /Email a code/ }).click();
  await app.getByLabel('Code').fill(await mail.nextCode(recoveryEmail));
  await app.getByLabel('New password', { exact: true }).fill('Lantern-Harbor-73');
  await app.getByLabel('Type it again').fill('Lantern-Harbor-73');
  await app.keyboard.press('Enter');
  await expect(app.getByText('Your password is reset and your account is unlocked.')).toBeVisible();
  // At the sign-in screen the reset is this computer's: Linux's own step, then other devices.
  await expect(app.getByTestId('after-reset-guidance').locator('li')).toHaveCount(2);
  await expect(app.locator('[data-step="linux-cached-credentials"]')).toContainText('next online sign-in');
  await expectNoAxeViolations(app, 'logon-done');
  await shot(app, 'logon-done');
  // Signed-in channels and the OS shell are refused whatever the page asks.
  expect(await app.evaluate(`companion.invoke('auth:session')`)).toMatchObject({ ok: false, error: { code: 'kiosk_mode' } });
  expect(await app.evaluate(`companion.invoke('app:openContactAdmin')`)).toMatchObject({ ok: false, error: { code: 'kiosk_mode' } });

  await app.getByRole('button', { name: 'Back to the sign-in screen' }).click();
  await expect.poll(() => host.logonExits).toEqual([LOGON_EXIT_CODES.resetDone]);
});

test('logon: leaving without a reset exits 2 (cancelled); after a lockout, 4 (locked out), with the helpdesk as text', async ({ app, host }) => {
  const { recoveryEmail } = await addResetUser(host, 'sora');
  const mail = mailbox(host);
  await app.getByRole('button', { name: 'Back to the sign-in screen' }).click();
  await expect.poll(() => host.logonExits).toEqual([LOGON_EXIT_CODES.cancelled]);

  await app.getByLabel('User name').fill('sora');
  await app.keyboard.press('Enter');
  await app.getByRole('button', { name: /Email a code/ }).click();
  const right = await mail.nextCode(recoveryEmail);
  const wrong = right === '000000' ? '111111' : '000000';
  await app.getByLabel('Code').fill(wrong);
  for (let i = 0; i < 4; i++) {
    await expect(app.getByLabel('Code')).toHaveValue('');
    await app.keyboard.type(wrong);
  }
  await expect(screen(app, 'reset-locked')).toBeVisible();
  // The address is shown as text; no button hands it to a mail client or browser.
  await expect(app.getByText('If you need access sooner, contact helpdesk@contoso.example.')).toBeVisible();
  await expect(app.getByRole('button', { name: /Contact helpdesk/ })).toHaveCount(0);
  await shot(app, 'logon-locked');
  await app.getByRole('button', { name: 'Back to the sign-in screen' }).click();
  await expect.poll(() => host.logonExits).toEqual([LOGON_EXIT_CODES.cancelled, LOGON_EXIT_CODES.lockedOut]);
});

test.describe('server unreachable', () => {
  test.use({ hostOptions: { logon: true, serverUrl: 'http://127.0.0.1:9/' } });

  test('logon: with the server unreachable, leaving exits 3', async ({ app, host }) => {
    await expect(screen(app, 'reset-identify')).toBeVisible();
    await app.getByLabel('User name').fill('anyone');
    await app.keyboard.press('Enter');
    await expect(app.getByText(/could not be reached/).first()).toBeVisible();
    await shot(app, 'logon-unreachable');
    await app.getByRole('button', { name: 'Back to the sign-in screen' }).click();
    await expect.poll(() => host.logonExits).toEqual([LOGON_EXIT_CODES.serverUnreachable]);
  });
});
