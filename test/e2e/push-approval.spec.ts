import type { Page } from '@playwright/test';
import { codeIn, hasCode } from '../helpers/smtp-peer.js';
import { startE2eHost, type E2eHost } from '../e2e-host/host.js';
import { addResetUser, expect, INITIAL_PASSWORD, screen, shot, test } from './fixtures.js';

test.beforeEach(async ({ host }) => {
  await host.server.setPolicy((p) => {
    p.sspr.methodsRequired = 1;
  });
  await addResetUser(host, 'ken', 'ken.home@example.net', { displayName: 'Ken Mori' });
});

/** Another computer starts a reset for `username` and picks the push method: its number. */
async function resetElsewhere(host: E2eHost, username: string) {
  const started = await host.server.api('POST', '/reset/sessions', { body: { username } });
  const token = started.body.sessionToken as string;
  const push = (started.body.methods as Array<{ id: string; type: string }>).find((m) => m.type === 'authenticatorPush');
  expect(push, 'the push method is offered').toBeTruthy();
  const challenge = await host.server.api('POST', '/reset/session/challenges', { token, body: { methodId: push!.id } });
  expect(challenge.status, JSON.stringify(challenge.body)).toBe(201);
  return { token, number: challenge.body.numberMatch as number };
}

/** Ken signs in, proves the sign-in with his email code (R26) and registers this device for push: home. */
async function registerThisDevice(app: Page, host: E2eHost): Promise<void> {
  await app.getByLabel('User name').fill('ken');
  await app.getByLabel('Password', { exact: true }).fill(INITIAL_PASSWORD);
  await app.keyboard.press('Enter');
  await app.locator('[data-add="authenticatorPush"]').click();
  await app.locator('[data-step-up="needed"] [data-method="email"]').click();
  await app.getByRole('textbox', { name: 'Code' }).fill(codeIn((await host.server.smtp.waitFor('ken.home@example.net', hasCode)).text));
  await app.getByRole('button', { name: 'Use this device' }).click();
  await app.getByRole('button', { name: 'Continue' }).click();
  await expect(screen(app, 'home')).toBeVisible();
}

test.describe('R3: a reset on another computer shows a number; this device approves by typing it, and a wrong number denies', () => {
  test('R26: signed in, this device registers for push approvals once the sign-in proved the email', async ({ app, host }) => {
    await app.getByLabel('User name').fill('ken');
    await app.getByLabel('Password', { exact: true }).fill(INITIAL_PASSWORD);
    await app.keyboard.press('Enter');
    await expect(screen(app, 'home')).toBeVisible();
    await app.locator('[data-add="authenticatorPush"]').click();
    // R26: Ken holds an email, so this sign-in first proves it, inline.
    await app.locator('[data-step-up="needed"] [data-method="email"]').click();
    const stepUpMail = await host.server.smtp.waitFor('ken.home@example.net', hasCode);
    await app.getByRole('textbox', { name: 'Code' }).fill(codeIn(stepUpMail.text));
    await expect(app.getByText('Confirmed. You can change your methods for the next 10 minutes.')).toBeVisible();
    await expect(app.getByLabel('Name of this device')).toHaveValue('SSPR Companion (linux)');
    await shot(app, 'register-push');
    await app.getByRole('button', { name: 'Use this device' }).click();
    await expect(app.getByText('Verified and saved.')).toBeVisible();
    await app.getByRole('button', { name: 'Continue' }).click();
  });

  test('R3: the other computer shows a number; this device approves by typing it and the reset moves on', async ({ app, host, context }) => {
    await registerThisDevice(app, host);
    // On another computer (a second companion against the same server), Ken resets his
    // password and picks "approve on my other device": the number to match is shown big.
    const other = await startE2eHost({ sharedServer: host.server });
    const kiosk = await context.newPage();
    try {
      await other.open(kiosk);
      await kiosk.getByRole('button', { name: /Forgot your password/ }).click();
      await kiosk.getByLabel('User name').fill('ken');
      await kiosk.keyboard.press('Enter');
      await kiosk.getByRole('button', { name: 'Approve on my other device' }).click();
      const number = (await kiosk.getByTestId('number-match').textContent())!.trim();
      expect(number).toMatch(/^\d{1,2}$/);
      await expect(kiosk.getByText('Waiting for your approval…')).toBeVisible();
      await shot(kiosk, 'reset-push-number');

      // This device: main's watcher polls on its own clock; the request surfaces as a banner.
      await host.advance(5_000);
      const banner = app.locator('[data-banner="approval"]');
      await expect(banner).toContainText('Someone is trying to reset your password. Is it you?');
      await banner.getByRole('button', { name: 'Review' }).click();
      await expect(screen(app, 'approvals')).toBeVisible();
      await expect(app.getByLabel('Number shown on the other screen')).toBeFocused();
      await shot(app, 'approvals');
      await app.keyboard.type(number);
      await app.keyboard.press('Enter');
      await expect(app.locator('[data-outcome="approved"]')).toContainText('Approved.');

      // The resetting screen sees the approval and moves on to the new password.
      await expect(kiosk.locator('[data-screen="reset-password"]')).toBeVisible();
    } finally {
      await kiosk.close();
      await other.close();
    }
  });

  test('R3: a request answered with the wrong number is denied, not approved', async ({ app, host }) => {
    await registerThisDevice(app, host);
    // Another computer asks again; this time the number typed is wrong.
    const second = await resetElsewhere(host, 'ken');
    await expect(screen(app, 'home')).toBeVisible();
    await host.advance(5_000);
    await app.locator('[data-banner="approval"]').getByRole('button', { name: 'Review' }).click();
    await app.getByLabel('Number shown on the other screen').fill(String((second.number + 1) % 100));
    await app.getByRole('button', { name: 'Yes, approve' }).click();
    await expect(app.locator('[data-outcome="mismatch"]')).toContainText('The number did not match');
    const denied = await host.server.api('GET', '/reset/session', { token: second.token });
    expect(denied.body.gatesPassed).toBe(0);
    expect(denied.body.pendingChallenge?.status).toBe('denied');
  });
});
