import { addResetUser, expect, mailbox, registerAuthenticator, shot, test, totpAt } from './fixtures.js';

let authenticatorSecret = '';

test.beforeEach(async ({ host }) => {
  await host.server.setPolicy((p) => {
    // "One gate must be the authenticator": it opens the first gate, email only the second.
    p.sspr.methodsRequired = 2;
    p.sspr.methods = ['email', 'authenticatorCode'];
    p.sspr.firstGate = ['authenticatorCode'];
    p.sspr.secondGate = ['email'];
    p.password.bannedTerms = ['Contoso'];
    p.branding.organizationName = 'Contoso';
  });
  await addResetUser(host, 'alice', 'alice.home@example.net', { displayName: 'Alice Example' });
  authenticatorSecret = await registerAuthenticator(host, 'alice');
});

test('R35, R34: the app offers the authenticator first and email second, and flags a banned word as it is typed', async ({ app, host }) => {
  const mail = mailbox(host);
  await app.getByRole('button', { name: /Forgot your password/ }).click();
  await app.getByLabel('User name').fill('alice');
  await app.keyboard.press('Enter');

  // Gate 1: only what the first gate allows is shown.
  await expect(app.getByText('Step 1 of 2')).toBeVisible();
  await expect(app.getByRole('button', { name: /Email a code/ })).toHaveCount(0);
  await shot(app, 'ordered-gates-1-first');
  await app.getByRole('button', { name: 'Enter a code from my authenticator app' }).click();
  await host.advance(30_000);
  await app.getByLabel('Code').fill(totpAt(authenticatorSecret, host.server.clock.now()));

  // Gate 2: now email, and only email, is offered.
  await expect(app.getByText('Step 2 of 2')).toBeVisible();
  await expect(app.getByRole('button', { name: /authenticator app/ })).toHaveCount(0);
  await shot(app, 'ordered-gates-2-second');
  await app.getByRole('button', { name: 'Email a code to a•••@example.net' }).click();
  await app.getByLabel('Code').fill(await mail.nextCode('alice.home@example.net'));

  await expect(app.getByRole('heading', { level: 1 })).toHaveText('Choose a new password');
  // R34: the banned word, disguised, is flagged live from the digest, before any submit.
  await app.getByLabel('New password', { exact: true }).fill('Amber-C0nt0$o-Signal-84');
  await expect(app.locator('[data-rule="banned"]')).toHaveText(/contains a word your organisation does not allow/);
  await shot(app, 'ordered-gates-3-banned-word');
  await app.getByLabel('New password', { exact: true }).fill('Amber-Valley-Signal-84');
  await expect(app.locator('[data-rule="banned"]')).toHaveCount(0);
  await app.getByLabel('Type it again').fill('Amber-Valley-Signal-84');
  await app.keyboard.press('Enter');
  await expect(app.getByRole('heading', { level: 1 })).toHaveText('Your password is reset');
});
