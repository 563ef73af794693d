import { startSlapd, type Slapd } from '../helpers/slapd.js';
import { expect, expectNoAxeViolations, mailbox, screen, shot, test as base } from './fixtures.js';

/** The server on a real OpenLDAP (slapd) that the journey can stop and start again. */
const test = base.extend<{ slapd: Slapd }>({
  slapd: async ({}, use) => {
    const slapd = await startSlapd();
    await use(slapd);
    await slapd.close();
  },
  hostOptions: async ({ slapd }, use) => {
    await use({
      serverEnv: {
        ...slapd.serverEnv(),
        SSPR_LDAP_ALT_EMAIL_ATTRIBUTE: 'otherMailbox',
        SSPR_LDAP_TIMEOUT_MS: '1500',
      },
    });
  },
});

test.beforeEach(async ({ host, slapd }) => {
  await host.server.setPolicy((p) => {
    p.sspr.methodsRequired = 1;
  });
  await slapd.addUser({ uid: 'dora', cn: 'Dora Marquez', password: 'Dora-Passw0rd!1', mail: 'dora@example.org', otherMailbox: 'dora.home@example.net' });
});

test('R18a: the directory goes down at the last step; the screen says so, keeps the session, and "Try again" finishes the reset', async ({ app, host, slapd }) => {
  const mail = mailbox(host);
  await app.getByRole('button', { name: /Forgot your password/ }).click();
  await app.getByLabel('User name').fill('dora');
  await app.keyboard.press('Enter');
  await app.getByRole('button', { name: /Email a code/ }).click();
  await app.getByLabel('Code').fill(await mail.nextCode('dora.home@example.net'));
  await expect(screen(app, 'reset-password')).toBeVisible();

  await slapd.stop();
  await app.getByLabel('New password', { exact: true }).fill('Harbor-Kite-Spruce-27');
  await app.getByLabel('Type it again').fill('Harbor-Kite-Spruce-27');
  await app.keyboard.press('Enter');
  await expect(screen(app, 'reset-unavailable')).toBeVisible();
  await expect(app.getByRole('heading', { level: 1 })).toHaveText('The directory is not answering');
  // Issue 13: the wizard's error screens lead to "Why can't I reset here?".
  await expect(app.getByRole('button', { name: 'Why can\'t I reset here?' })).toBeVisible();
  await shot(app, 'reset-directory-down');
  await expectNoAxeViolations(app, 'reset-unavailable');

  await slapd.start();
  await app.getByRole('button', { name: 'Try again' }).click();
  await expect(screen(app, 'reset-done')).toBeVisible();
  expect(await slapd.canBind(slapd.userDn('dora'), 'Harbor-Kite-Spruce-27')).toBe(true);
});
