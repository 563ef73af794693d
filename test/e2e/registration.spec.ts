import type { Page } from '@playwright/test';
import type { E2eHost } from '../e2e-host/host.js';
import { codeIn, hasCode } from '../helpers/smtp-peer.js';
import { addResetUser, expect, INITIAL_PASSWORD, registerAuthenticator, screen, shot, test, totpAt } from './fixtures.js';

/** Sora signs in on the app: the home screen. */
async function signIn(app: Page): Promise<void> {
  await app.getByLabel('User name').fill('sora');
  await app.getByLabel('Password', { exact: true }).fill(INITIAL_PASSWORD);
  await app.keyboard.press('Enter');
  await expect(screen(app, 'home')).toBeVisible();
}

/** R26: Sora holds an email, so the first change proves this sign-in with its code; back home, the proof holds 10 minutes. */
async function confirmItIsYou(app: Page, host: E2eHost): Promise<void> {
  await app.locator('[data-add="email"]').click();
  await app.locator('[data-step-up="needed"] [data-method="email"]').click();
  await app.getByRole('textbox', { name: 'Code' }).fill(codeIn((await host.server.smtp.waitFor('sora.home@example.net', hasCode)).text));
  await expect(app.getByText('Confirmed. You can change your methods for the next 10 minutes.')).toBeVisible();
  await app.getByRole('button', { name: 'Cancel' }).click();
}

test.beforeEach(async ({ host }) => {
  await host.server.setPolicy((p) => {
    p.sspr.methodsRequired = 2;
    p.sspr.methods = ['email', 'mobilePhone', 'authenticatorCode', 'securityQuestions'];
    p.sspr.securityQuestions.requiredToRegister = 3;
    p.sspr.securityQuestions.requiredToReset = 3;
  });
  await addResetUser(host, 'sora', 'sora.home@example.net', { displayName: 'Sora Ito' });
});

test.describe('R5/R8/R9: a signed-in user registers an authenticator app (QR + key), security questions with inline rules, a phone and an email proved by code', () => {
  test.beforeEach(async ({ app }) => {
    await signIn(app);
  });

  test('R5/R8: not yet registered, the app asks to register and offers only the enabled methods', async ({ app }) => {
    // One admin-set email, two needed: the app asks to register (R5).
    await expect(app.locator('[data-card="methods"]')).toContainText('Set up at least 2 methods');
    await expect(app.locator('[data-banner="nudge"]')).toContainText('Set up how you can reset your password yourself');
    // R8: only enabled methods are offered.
    await expect(app.locator('[data-add]')).toHaveCount(4);
    await expect(app.locator('[data-add="officePhone"], [data-add="authenticatorPush"]')).toHaveCount(0);
    await shot(app, 'home-not-registered');
  });

  test('R26: the authenticator app — this sign-in proves the email inline first, then the first code proves the app', async ({ app, host }) => {
    // Authenticator app: QR code and the key by hand; the first code proves it.
    await app.locator('[data-add="authenticatorCode"]').click();
    await expect(screen(app, 'register-authenticatorCode')).toBeVisible();
    // R26: Sora holds an email, so this sign-in first proves it, inline (the reset wizard's choices and code field).
    await expect(app.locator('[data-step-up="needed"]')).toContainText('First, confirm it is you');
    await app.locator('[data-step-up="needed"] [data-method="email"]').click();
    const stepUpMail = await host.server.smtp.waitFor('sora.home@example.net', hasCode);
    await app.getByRole('textbox', { name: 'Code' }).fill(codeIn(stepUpMail.text));
    await expect(app.getByText('Confirmed. You can change your methods for the next 10 minutes.')).toBeVisible();
    await expect(app.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
    const secret = (await app.getByTestId('totp-secret').getAttribute('data-secret'))!;
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await shot(app, 'register-authenticator');
    await app.getByRole('textbox', { name: 'Code' }).fill(totpAt(secret, host.server.clock.now()));
    await expect(app.getByText('Verified and saved.')).toBeVisible();
    await app.getByRole('button', { name: 'Continue' }).click();
    await expect(app.locator('[data-card="methods"] [data-method="authenticatorCode"]')).toBeVisible();
  });

  test('R9/R9e: security questions with inline rules', async ({ app, host }) => {
    await confirmItIsYou(app, host);
    // Security questions: the R9 rules answer as the person types.
    await app.locator('[data-add="securityQuestions"]').click();
    await expect(screen(app, 'register-securityQuestions')).toBeVisible();
    const rows = app.locator('.question-row');
    await expect(rows).toHaveCount(3);
    await rows.nth(0).locator('select').selectOption('p01');
    await rows.nth(0).getByLabel('Answer').fill('Sapporo');
    await rows.nth(1).locator('select').selectOption('p02');
    await rows.nth(1).getByLabel('Answer').fill('ｓａｐｐｏｒｏ');
    // R9e: full-width and case do not make a different answer.
    await expect(rows.nth(1).getByText('Use a different answer for each question.')).toBeVisible();
    await rows.nth(1).getByLabel('Answer').fill('Mochi');
    await rows.nth(2).locator('select').selectOption('p04');
    await rows.nth(2).getByLabel('Answer').fill('ok');
    await expect(rows.nth(2).getByText('Answers are 3 to 40 characters.')).toBeVisible();
    // A question already chosen cannot be chosen again.
    await expect(rows.nth(2).locator('option[value="p01"]')).toBeDisabled();
    await shot(app, 'register-questions-errors');
    await rows.nth(2).getByLabel('Answer').fill('Ramen');
    await expect(app.locator('.field-error')).toHaveCount(0);
    await app.getByRole('button', { name: 'Save' }).click();
    await expect(app.getByText('Verified and saved.')).toBeVisible();
    await app.getByRole('button', { name: 'Continue' }).click();

    await expect(app.locator('[data-card="methods"]')).toContainText('registered — 2 needed to reset');
    await expect(app.locator('[data-card="methods"] [data-method="securityQuestions"]')).toBeVisible();
  });

  test('a phone and a second email proved by code: registered, the nudge goes', async ({ app, host }) => {
    await confirmItIsYou(app, host);
    // A mobile phone, proved with the texted code (the carrier is the gateway peer).
    await app.locator('[data-add="mobilePhone"]').click();
    await app.getByLabel('Phone number').fill('+81 9011112222');
    await expect(app.getByLabel('Text message')).toBeChecked();
    await app.getByRole('button', { name: 'Send code' }).click();
    await expect(app.getByText(/We sent a 6-digit code by text message to/)).toBeVisible();
    const sms = await host.server.gateway.waitFor('+81 9011112222');
    expect(sms.channel).toBe('sms');
    await app.getByRole('textbox', { name: 'Enter the code we sent' }).fill(codeIn(sms.text));
    await expect(app.getByText('Verified and saved.')).toBeVisible();
    await app.getByRole('button', { name: 'Continue' }).click();

    // A second email address, proved with the mailed code.
    await app.locator('[data-add="email"]').click();
    await app.getByLabel('Email address').fill('sora.backup@example.org');
    await app.getByRole('button', { name: 'Send code' }).click();
    const mail = await host.server.smtp.waitFor('sora.backup@example.org');
    await app.getByRole('textbox', { name: 'Enter the code we sent' }).fill(codeIn(mail.text));
    await expect(app.getByText('Verified and saved.')).toBeVisible();
    await app.getByRole('button', { name: 'Continue' }).click();
    await expect(app.locator('[data-card="methods"] [data-method="mobilePhone"]')).toBeVisible();
    await expect(app.locator('[data-card="methods"] [data-method="email"]')).toHaveCount(2);
    await expect(app.locator('[data-banner="nudge"]')).toHaveCount(0);
    await shot(app, 'home-registered');
    const status = await host.server.api('POST', '/auth/sign-in', { body: { username: 'sora', password: INITIAL_PASSWORD } });
    const me = await host.server.api('GET', '/me/status', { token: status.body.accessToken });
    expect(me.body.registration.registered).toBe(true);
  });
});

test('R6: when reconfirmation is due, the app asks and one click confirms the methods are current', async ({ app, host }) => {
  const DAY = 86_400_000;
  const secret = await registerAuthenticator(host, 'sora');
  // Sora last confirmed her methods 181 days ago (policy: every 180 days).
  const user = await host.server.server.services.db.selectFrom('users').select('id').where('username', '=', 'sora').executeTakeFirstOrThrow();
  const confirmedAt = host.server.clock.now().getTime() - 181 * DAY;
  await host.server.server.services.db
    .insertInto('registrations')
    .values({ subject_id: user.id, confirmed_at: confirmedAt, updated_at: confirmedAt })
    .onConflict((oc) => oc.column('subject_id').doUpdateSet({ confirmed_at: confirmedAt, updated_at: confirmedAt }))
    .execute();

  await app.getByLabel('User name').fill('sora');
  await app.getByLabel('Password', { exact: true }).fill(INITIAL_PASSWORD);
  await app.keyboard.press('Enter');
  await expect(screen(app, 'home')).toBeVisible();
  await expect(app.locator('[data-banner="nudge"]')).toContainText('Please check that your security info is still current.');
  await expect(app.getByText('Are these still correct?')).toBeVisible();
  await shot(app, 'home-reconfirm');
  await app.getByRole('button', { name: 'Yes, they are current' }).click();
  // R26: reconfirming is a change of methods: this sign-in proves the authenticator first.
  await app.locator('[data-step-up="needed"] [data-method="authenticatorCode"]').click();
  host.server.clock.advance(30_000);
  await app.getByRole('textbox', { name: 'Code' }).fill(totpAt(secret, host.server.clock.now()));
  await expect(app.getByText('Thank you. Your security info is confirmed.')).toBeVisible();
  await expect(app.locator('[data-banner="nudge"]')).toHaveCount(0);
  const signIn = await host.server.api('POST', '/auth/sign-in', { body: { username: 'sora', password: INITIAL_PASSWORD } });
  const me = await host.server.api('GET', '/me/status', { token: signIn.body.accessToken });
  expect(me.body.registration.mustReconfirm).toBe(false);
});
