import { addResetUser, expect, expectNoAxeViolations, mailbox, shot, test } from './fixtures.js';

// After-reset guidance per OS, for the account signed in to this (desktop) computer
// (logon-mode.spec.ts shows Linux's at the sign-in screen).
for (const [platform, step, text] of [
  ['win32', 'windows-cached-credentials', /lock this computer .* unlock it with the new password/],
  ['darwin', 'macos-login-keychain', /login keychain/],
] as const) {
  test.describe(`after-reset guidance on ${platform}`, () => {
    test.use({ hostOptions: { platform, osUsername: 'CONTOSO\\mika' } });

    test(`${platform}: the done screen names this OS's next step for the signed-in account, in en and ja`, async ({ app, host }) => {
      const { recoveryEmail } = await addResetUser(host, 'mika');
      const mail = mailbox(host);
      await app.getByRole('button', { name: /Forgot your password/ }).click();
      await app.getByLabel('User name').fill('mika');
      await app.keyboard.press('Enter');
      await app.getByRole('button', { name: /Email a code/ }).click();
      await app.getByLabel('Code').fill(await mail.nextCode(recoveryEmail));
      await app.getByLabel('New password', { exact: true }).fill('Lantern-Harbor-73');
      await app.getByLabel('Type it again').fill('Lantern-Harbor-73');
      await app.keyboard.press('Enter');
      await expect(app.locator(`[data-step="${step}"]`)).toContainText(text);
      await expect(app.locator('[data-step="other-devices"]')).toBeVisible();
      await expectNoAxeViolations(app, `after-reset-${platform}`);
      await shot(app, `after-reset-${platform}`);
      await app.getByRole('button', { name: 'Switch the language to Japanese' }).click();
      await expect(app.getByRole('heading', { level: 2 })).toHaveText('このコンピューターとほかのデバイスで次にすること');
      await expectNoAxeViolations(app, `ja-after-reset-${platform}`);
      await shot(app, `ja-after-reset-${platform}`);
    });
  });
}
