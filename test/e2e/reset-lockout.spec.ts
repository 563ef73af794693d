import { addResetUser, expect, mailbox, screen, shot, test } from './fixtures.js';

test.beforeEach(async ({ host }) => {
  await host.server.setPolicy((p) => {
    p.sspr.methodsRequired = 1;
    p.branding.contactAdmin = 'helpdesk@contoso.example';
  });
});

test('R11a: wrong codes show the attempts left, then the lockout screen says when to retry', async ({ app, host }) => {
  const { recoveryEmail } = await addResetUser(host, 'kenji');
  const mail = mailbox(host);

  await app.getByRole('button', { name: /Forgot your password/ }).click();
  await app.getByLabel('User name').fill('kenji');
  await app.keyboard.press('Enter');
  await app.getByRole('button', { name: /Email a code/ }).click();
  const right = await mail.nextCode(recoveryEmail);
  const wrong = right === '000000' ? '111111' : '000000';

  const code = app.getByLabel('Code');
  await code.fill(wrong);
  await expect(app.getByText(/That code is not right\. 4 attempts left\./)).toBeVisible();
  // The field is emptied and keeps focus, ready for the next try.
  await expect(code).toHaveValue('');
  await expect(code).toBeFocused();
  await shot(app, 'reset-code-wrong');
  for (const left of ['3 attempts', '2 attempts', '1 attempt']) {
    await app.keyboard.type(wrong);
    await expect(app.getByText(new RegExp(`${left} left`))).toBeVisible();
  }
  await app.keyboard.type(wrong);
  await expect(screen(app, 'reset-locked')).toBeVisible();
  await expect(app.getByRole('heading', { level: 1 })).toHaveText('Password reset is paused for this account');
  await expect(app.getByTestId('retry-at')).toHaveText(/You can try again after .+ \(in about 24 hours\)\./);
  await expect(app.getByText('If you need access sooner, contact helpdesk@contoso.example.')).toBeVisible();
  await expect(app.getByRole('button', { name: 'Contact helpdesk@contoso.example' })).toBeVisible();
  await shot(app, 'reset-locked');

  // Even the right code cannot be used now, and a new start lands on the same screen.
  await app.getByRole('button', { name: 'Start over' }).click();
  await app.getByLabel('User name').fill('kenji');
  await app.keyboard.press('Enter');
  await expect(screen(app, 'reset-locked')).toBeVisible();
});
