import { recordScreens } from '../e2e-host/screen-recorder.js';
import { addResetUser, expect, mailbox, registerAuthenticator, shot, test, totpAt } from './fixtures.js';

test.beforeEach(async ({ host }) => {
  await host.server.setPolicy((p) => {
    p.sspr.methodsRequired = 2;
    p.branding.organizationName = 'Contoso';
  });
  const { recoveryEmail } = await addResetUser(host, 'alice', 'alice.home@example.net', { displayName: 'Alice Example' });
  expect(recoveryEmail).toBe('alice.home@example.net');
  // Alice registered an authenticator app earlier (through the API, as her app would).
  authenticatorSecret = await registerAuthenticator(host, 'alice');
});

let authenticatorSecret = '';

test('R2: a two-method reset (emailed code + authenticator code) takes 5 screens, keyboard only, and unlocks the account', async ({ app, host }) => {
  const mail = mailbox(host);
  // Locked out in the directory after wrong passwords at the workstation.
  for (let i = 0; i < 10; i++) await host.server.api('POST', '/auth/sign-in', { body: { username: 'alice', password: `wrong-${i}` } });
  const before = await host.server.api('GET', '/admin/users/alice', { token: host.server.adminToken });
  expect(before.body.locked).toBe(true);

  await app.getByRole('button', { name: /Forgot your password/ }).click();
  const screens = await recordScreens(app);
  await expect(app.getByLabel('User name')).toBeFocused();
  await shot(app, 'reset-1-identify');
  await app.keyboard.type('alice');
  await app.keyboard.press('Enter');

  // Gate 1: the first method has focus; Tab reaches the next one, Enter sends the email code.
  await expect(app.getByText('Step 1 of 2')).toBeVisible();
  await expect(app.locator('.method-option').first()).toBeFocused();
  await shot(app, 'reset-2-methods');
  await app.getByRole('button', { name: 'Email a code to a•••@example.net' }).press('Enter');
  await expect(app.getByLabel('Code')).toBeFocused();
  await shot(app, 'reset-3-email-code');
  // The 6th digit submits: no Enter needed.
  await app.keyboard.type(await mail.nextCode('alice.home@example.net'));

  // Gate 2: email is done; the authenticator is the remaining choice.
  await expect(app.getByText('Step 2 of 2')).toBeVisible();
  await expect(app.getByText(/Email .* Confirmed/)).toBeVisible();
  await expect(app.getByRole('button', { name: /Email a code/ })).toHaveCount(0);
  await shot(app, 'reset-4-second-method');
  await app.getByRole('button', { name: 'Enter a code from my authenticator app' }).press('Enter');
  await expect(app.getByLabel('Code')).toBeFocused();
  // A fresh time step: the registration already used the current one (one use per step).
  await host.advance(30_000);
  await app.keyboard.type(totpAt(authenticatorSecret, host.server.clock.now()));

  await expect(app.getByRole('heading', { level: 1 })).toHaveText('Choose a new password');
  await expect(app.getByLabel('New password', { exact: true })).toBeFocused();
  await app.keyboard.type('Amber-Valley-Signal-84');
  // The next Tab stop is the repeat field: the checklist and meter are not in the way.
  await app.keyboard.press('Tab');
  await expect(app.getByLabel('Type it again')).toBeFocused();
  await app.keyboard.type('Amber-Valley-Signal-84');
  await shot(app, 'reset-5-new-password');
  await app.keyboard.press('Enter');

  await expect(app.getByRole('heading', { level: 1 })).toHaveText('Your password is reset');
  await expect(app.getByText('Your password is reset and your account is unlocked.')).toBeVisible();
  await shot(app, 'reset-6-done');
  expect(await screens()).toEqual(['reset-identify', 'reset-verify-1', 'reset-verify-2', 'reset-password', 'reset-done']);

  // The directory took the new password and the lock is gone (R18a, R18c).
  const after = await host.server.api('GET', '/admin/users/alice', { token: host.server.adminToken });
  expect(after.body.locked).toBe(false);
  const signIn = await host.server.api('POST', '/auth/sign-in', { body: { username: 'alice', password: 'Amber-Valley-Signal-84' } });
  expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
  // R22: alice is told by email.
  await host.server.smtp.waitFor('alice@example.com');
});
