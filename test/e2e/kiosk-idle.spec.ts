import { addResetUser, expect, mailbox, screen, shot, test } from './fixtures.js';

test.use({ hostOptions: { kiosk: true, idleTimeoutSeconds: 60 } });

test('kiosk: reset flow only, large targets, and an idle timeout wipes the flow back to the start', async ({ app, host }) => {
  await host.server.setPolicy((p) => {
    p.sspr.methodsRequired = 1;
  });
  const { recoveryEmail } = await addResetUser(host, 'yuki');
  const mail = mailbox(host);

  await expect(screen(app, 'reset-identify')).toBeVisible();
  await expect(app.locator('.shell.kiosk')).toBeVisible();
  // No way out of the reset flow: no sign-in, no back button.
  await expect(app.getByRole('button', { name: /Back|Sign in/ })).toHaveCount(0);
  await app.getByLabel('User name').fill('yuki');
  await app.keyboard.press('Enter');
  await app.getByRole('button', { name: /Email a code/ }).click();
  await mail.nextCode(recoveryEmail);
  await expect(app.getByLabel('Code')).toBeFocused();
  await app.keyboard.type('12');
  for (const target of await app.locator('button:visible, input:visible').all()) {
    const box = await target.boundingBox();
    expect(box!.height, await target.evaluate((e) => e.outerHTML.slice(0, 80))).toBeGreaterThanOrEqual(44);
  }
  await shot(app, 'kiosk-code');

  // The visitor walks away: main's idle timer fires (its clock moved, no sleeping).
  expect(host.companion.reset.inProgress).toBe(true);
  await host.advance(61_000);
  await expect(screen(app, 'reset-identify')).toBeVisible();
  await expect(app.getByLabel('User name')).toHaveValue('');
  await expect(app.getByText('The screen was reset because it was idle.')).toBeVisible();
  expect(host.companion.reset.inProgress).toBe(false);
  await shot(app, 'kiosk-idle-wiped');

  // Signed-in channels are refused by main in kiosk mode, whatever the page asks.
  const refused = await app.evaluate(() => (globalThis as any).companion.invoke('auth:session'));
  expect(refused).toMatchObject({ ok: false, error: { code: 'kiosk_mode' } });
});
