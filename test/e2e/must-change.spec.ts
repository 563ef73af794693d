import { addResetUser, expect, INITIAL_PASSWORD, screen, shot, test } from './fixtures.js';

const DAY = 86_400_000;

test('R15: an expired password must be changed at sign-in, without typing the old one twice', async ({ app, host }) => {
  await host.server.setPolicy((p) => {
    p.password.maxAgeDays = 90;
    p.sspr.methodsRequired = 1;
  });
  await addResetUser(host, 'rin', 'rin.home@example.net', { displayName: 'Rin Sato' });
  const changedAt = host.server.clock.now().getTime() - 91 * DAY;
  await host.server.server.services.db.updateTable('users').set({ password_changed_at: changedAt }).where('username', '=', 'rin').execute();

  await app.getByLabel('User name').fill('rin');
  await app.getByLabel('Password', { exact: true }).fill(INITIAL_PASSWORD);
  await app.keyboard.press('Enter');
  await expect(screen(app, 'change-password')).toBeVisible();
  await expect(app.getByRole('heading', { level: 1 })).toHaveText('Your password has expired');
  await expect(app.getByLabel('Current password')).toHaveCount(0);
  await expect(app.getByRole('button', { name: 'Cancel' })).toHaveCount(0);
  await expect(app.getByLabel('New password', { exact: true })).toBeFocused();
  await app.keyboard.type('Cedar-Lamp-Meadow-62');
  await app.keyboard.press('Tab');
  await app.keyboard.type('Cedar-Lamp-Meadow-62');
  await shot(app, 'must-change');
  await app.keyboard.press('Enter');
  await expect(screen(app, 'change-done')).toBeVisible();
  await app.getByRole('button', { name: 'Continue' }).click();
  await expect(screen(app, 'home')).toBeVisible();
  await expect(app.getByTestId('days-until-expiry')).toHaveText('Your password expires in 90 days.');
});
