import { addResetUser, expect, INITIAL_PASSWORD, screen, shot, test } from './fixtures.js';

const DAY = 86_400_000;

test('R16: a password expiring in 3 days shows the banner and the days left; changing it clears the warning', async ({ app, host }) => {
  await host.server.setPolicy((p) => {
    p.password.maxAgeDays = 90;
    p.password.expiryWarningDays = [14, 7, 3, 1];
    p.sspr.methodsRequired = 1;
  });
  await addResetUser(host, 'mei', 'mei.home@example.net', { displayName: 'Mei Tanaka' });
  // Last changed 87 days ago (server time): 3 days left under a 90-day maximum age.
  const changedAt = host.server.clock.now().getTime() - 87 * DAY;
  await host.server.server.services.db.updateTable('users').set({ password_changed_at: changedAt }).where('username', '=', 'mei').execute();

  await app.getByLabel('User name').fill('mei');
  await app.getByLabel('Password', { exact: true }).fill(INITIAL_PASSWORD);
  await app.keyboard.press('Enter');
  await expect(screen(app, 'home')).toBeVisible();
  await expect(app.getByRole('heading', { level: 1 })).toHaveText('Hello, Mei Tanaka');

  const banner = app.locator('[data-banner="expiry"]');
  await expect(banner).toContainText('Your password expires in 3 days.');
  await expect(app.getByTestId('days-until-expiry')).toHaveText('Your password expires in 3 days.');
  expect(host.notifications.length).toBeGreaterThan(0);
  await shot(app, 'expiry-banner-home');

  await banner.getByRole('button', { name: 'Change it now' }).click();
  await expect(screen(app, 'change-password')).toBeVisible();
  await app.getByLabel('Current password').fill(INITIAL_PASSWORD);
  await app.getByLabel('New password', { exact: true }).fill('Maple-Window-Orbit-19');
  await app.getByLabel('Type it again').fill('Maple-Window-Orbit-19');
  await shot(app, 'change-password');
  await app.keyboard.press('Enter');
  await expect(screen(app, 'change-done')).toBeVisible();
  await app.getByRole('button', { name: 'Continue' }).click();
  await expect(screen(app, 'home')).toBeVisible();
  await expect(app.getByTestId('days-until-expiry')).toHaveText('Your password expires in 90 days.');
  await expect(app.locator('[data-banner="expiry"]')).toHaveCount(0);
});
