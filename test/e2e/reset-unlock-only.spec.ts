import { addResetUser, expect, expectNoAxeViolations, INITIAL_PASSWORD, mailbox, shot, test } from './fixtures.js';

// R37 in the real app: "Unlock my account (keep my password)" is offered only past the gates,
// only when the policy allows it and the directory says the account is locked.

test.beforeEach(async ({ host }) => {
  await host.server.setPolicy((p) => (p.sspr.unlockOnly = true));
});

async function passGate(app: import('@playwright/test').Page, host: Parameters<typeof mailbox>[0], username: string) {
  const mail = mailbox(host);
  await app.getByRole('button', { name: /Forgot your password/ }).click();
  await app.getByLabel('User name').fill(username);
  await app.keyboard.press('Enter');
  // Before the gate nothing about the account shows (R13b).
  await expect(app.getByTestId('unlock-only')).toHaveCount(0);
  await app.getByRole('button', { name: /Email a code/ }).click();
  await app.getByLabel('Code').fill(await mail.nextCode(`${username}.home@example.net`));
  await expect(app.getByRole('heading', { level: 1 })).toHaveText('Choose a new password');
}

test('R37: a locked account is offered unlock-only, keeps its password, and the done screen names the last failed sign-in (en, ja)', async ({ app, host }) => {
  await addResetUser(host, 'rei');
  for (let i = 0; i < 10; i++) await host.server.api('POST', '/auth/sign-in', { body: { username: 'rei', password: `old-saved-${i}` } });
  await passGate(app, host, 'rei');

  const offer = app.getByTestId('unlock-only');
  await expect(offer.getByRole('heading', { level: 2 })).toHaveText('Your account is locked');
  await expectNoAxeViolations(app, 'unlock-only-offer');
  await shot(app, 'unlock-only-1-offer');
  await app.getByRole('button', { name: 'Switch the language to Japanese' }).click();
  await expect(offer.getByRole('button')).toHaveText('ロックだけを解除する（パスワードは変更しない）');
  await expectNoAxeViolations(app, 'ja-unlock-only-offer');
  await shot(app, 'ja-unlock-only-1-offer');
  await app.getByRole('button', { name: '表示言語を英語に切り替える' }).click();

  await offer.getByRole('button', { name: 'Unlock my account (keep my password)' }).click();
  await expect(app.getByRole('heading', { level: 1 })).toHaveText('Your account is unlocked');
  await expect(app.locator('[data-screen="reset-done"] .lead')).toHaveText('Your password did not change: sign in with the password you have.');
  // The old password saved on some device caused the lockout: the step names when it last tried.
  await expect(app.locator('[data-step="other-devices"]')).toContainText('will lock your account again');
  await expect(app.getByTestId('last-failed-sign-in')).toHaveText(/^Last failed sign-in with a wrong password: \d{2}:\d{2}\.$/);
  // The password kept its value: the directory unlocked the account and nothing else.
  expect((await host.server.api('POST', '/auth/sign-in', { body: { username: 'rei', password: INITIAL_PASSWORD } })).status).toBe(200);
  const ev = await host.server.server.services.db.selectFrom('audit_events').select(['result', 'detail']).where('type', '=', 'reset.unlock').where('username', '=', 'rei').executeTakeFirstOrThrow();
  expect(ev.result).toBe('success');
  await host.server.smtp.waitFor('rei@example.com', (m) => /unlocked/.test(m.subject ?? ''));
  await expectNoAxeViolations(app, 'unlock-only-done');
  await shot(app, 'unlock-only-2-done');
  await app.getByRole('button', { name: 'Switch the language to Japanese' }).click();
  await expect(app.getByRole('heading', { level: 1 })).toHaveText('アカウントのロックを解除しました');
  await expect(app.getByTestId('last-failed-sign-in')).toHaveText(/^誤ったパスワードによる最後のサインイン失敗: \d{2}:\d{2}$/);
  await expectNoAxeViolations(app, 'ja-unlock-only-done');
  await shot(app, 'ja-unlock-only-2-done');
});

test('R37: an account that is not locked is not offered unlock-only; its reset goes on as before', async ({ app, host }) => {
  await addResetUser(host, 'sho');
  await passGate(app, host, 'sho');
  await expect(app.getByTestId('unlock-only')).toHaveCount(0);
  await expect(app.getByRole('button', { name: /keep my password/ })).toHaveCount(0);
  await shot(app, 'unlock-only-3-not-locked');
  await app.getByLabel('New password', { exact: true }).fill('Lantern-Harbor-73');
  await app.getByLabel('Type it again').fill('Lantern-Harbor-73');
  await app.keyboard.press('Enter');
  await expect(app.getByRole('heading', { level: 1 })).toHaveText('Your password is reset');
  // No wrong password was ever typed for sho: nothing to name.
  await expect(app.getByTestId('last-failed-sign-in')).toHaveCount(0);
});
