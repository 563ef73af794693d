import type { Page } from '@playwright/test';
import type { E2eHost } from '../e2e-host/host.js';
import { addResetUser, expect, INITIAL_PASSWORD, mailbox, screen, shot, test } from './fixtures.js';

test.beforeEach(async ({ host }) => {
  await host.server.setPolicy((p) => {
    p.sspr.methodsRequired = 1;
    p.branding.organizationName = 'Contoso';
    p.branding.contactAdmin = 'helpdesk@contoso.example';
  });
});

/** Hanako's reset with the emailed code, up to the new-password screen. */
async function toNewPassword(app: Page, host: E2eHost): Promise<void> {
  const { recoveryEmail } = await addResetUser(host, 'hanako');
  const mail = mailbox(host);
  await app.getByRole('button', { name: /Forgot your password/ }).click();
  await app.getByLabel('User name').fill('hanako');
  await app.keyboard.press('Enter');
  await expect(screen(app, 'reset-verify-1')).toBeVisible();
  await app.getByRole('button', { name: /Email a code/ }).click();
  await app.getByLabel('Code').fill(await mail.nextCode(recoveryEmail));
  await expect(screen(app, 'reset-password')).toBeVisible();
}

test.describe('R18b: the new-password checklist follows the policy as the person types, and the server refusal is shown', () => {
  test.beforeEach(async ({ app, host }) => {
    await toNewPassword(app, host);
  });

  test('R18b: length, character classes, name parts and common passwords are ticked as the person types', async ({ app }) => {
    const rule = (id: string) => app.locator(`[data-rule="${id}"]`);
    const password = app.getByLabel('New password', { exact: true });
    await password.fill('abc');
    await expect(rule('minLength')).toHaveAttribute('data-met', 'false');
    await expect(rule('characterClasses')).toHaveAttribute('data-met', 'false');
    await password.fill('hanako-Sunrise-42');
    await expect(rule('minLength')).toHaveAttribute('data-met', 'true');
    await expect(rule('characterClasses')).toHaveAttribute('data-met', 'true');
    await expect(rule('nameParts')).toHaveAttribute('data-met', 'false');
    await password.fill('Password1!');
    // The common-password list lives in main: its verdict arrives through password:check.
    await expect(rule('common')).toBeVisible();
    await expect(app.locator('.meter-text')).toHaveText(/Very weak|Weak/);
    await password.fill('Quiet-Harbor-Lantern-73');
    await expect(rule('nameParts')).toHaveAttribute('data-met', 'true');
    await expect(rule('common')).toHaveCount(0);
    await expect(app.locator('.meter-text')).toHaveText(/Strong|Very strong/);
    await shot(app, 'reset-password-checklist');
  });

  test('a mismatch is caught before anything is sent', async ({ app }) => {
    await app.getByLabel('New password', { exact: true }).fill('Quiet-Harbor-Lantern-73');
    await app.getByLabel('Type it again').fill('Quiet-Harbor-Lantern-74');
    await app.getByRole('button', { name: 'Reset password' }).click();
    await expect(app.getByText('The two passwords are not the same.')).toBeVisible();
  });

  test("R18b: the server's own refusal (history: the current password) is shown; a good password then resets", async ({ app, host }) => {
    const password = app.getByLabel('New password', { exact: true });
    // The server's own verdict (history: the current password) comes back as a listed rule.
    await password.fill(INITIAL_PASSWORD);
    await app.getByLabel('Type it again').fill(INITIAL_PASSWORD);
    await app.getByRole('button', { name: 'Reset password' }).click();
    await expect(app.getByRole('alert').filter({ hasText: 'The password was not accepted' })).toBeVisible();
    await shot(app, 'reset-password-refused');

    await password.fill('Quiet-Harbor-Lantern-73');
    await app.getByLabel('Type it again').fill('Quiet-Harbor-Lantern-73');
    await app.keyboard.press('Enter');
    await expect(screen(app, 'reset-done')).toBeVisible();
    const signIn = await host.server.api('POST', '/auth/sign-in', { body: { username: 'hanako', password: 'Quiet-Harbor-Lantern-73' } });
    expect(signIn.status).toBe(200);
  });
});
