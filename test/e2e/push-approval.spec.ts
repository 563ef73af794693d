import { addResetUser, expect, INITIAL_PASSWORD, screen, shot, test } from './fixtures.js';

test.beforeEach(async ({ host }) => {
  await host.server.setPolicy((p) => {
    p.sspr.methodsRequired = 1;
  });
  await addResetUser(host, 'ken', 'ken.home@example.net', { displayName: 'Ken Mori' });
});

/** Another computer starts a reset for `username` and picks the push method: its number. */
async function resetElsewhere(host: Parameters<Parameters<typeof test>[2]>[0]['host'], username: string) {
  const started = await host.server.api('POST', '/reset/sessions', { body: { username } });
  const token = started.body.sessionToken as string;
  const push = (started.body.methods as Array<{ id: string; type: string }>).find((m) => m.type === 'authenticatorPush');
  expect(push, 'the push method is offered').toBeTruthy();
  const challenge = await host.server.api('POST', '/reset/session/challenges', { token, body: { methodId: push!.id } });
  expect(challenge.status, JSON.stringify(challenge.body)).toBe(201);
  return { token, number: challenge.body.numberMatch as number };
}

test('R3: this device approves a reset started elsewhere by typing the number shown there; a wrong number denies', async ({ app, host }) => {
  await app.getByLabel('User name').fill('ken');
  await app.getByLabel('Password', { exact: true }).fill(INITIAL_PASSWORD);
  await app.keyboard.press('Enter');
  await expect(screen(app, 'home')).toBeVisible();
  await app.locator('[data-add="authenticatorPush"]').click();
  await expect(app.getByLabel('Name of this device')).toHaveValue('SSPR Companion (linux)');
  await shot(app, 'register-push');
  await app.getByRole('button', { name: 'Use this device' }).click();
  await expect(app.getByText('Verified and saved.')).toBeVisible();
  await app.getByRole('button', { name: 'Continue' }).click();

  // Main's watcher polls on its own clock; the request surfaces as a banner.
  const first = await resetElsewhere(host, 'ken');
  await host.advance(5_000);
  const banner = app.locator('[data-banner="approval"]');
  await expect(banner).toContainText('Someone is trying to reset your password. Is it you?');
  await banner.getByRole('button', { name: 'Review' }).click();
  await expect(screen(app, 'approvals')).toBeVisible();
  await expect(app.getByLabel('Number shown on the other screen')).toBeFocused();
  await shot(app, 'approvals');
  await app.keyboard.type(String(first.number));
  await app.keyboard.press('Enter');
  await expect(app.locator('[data-outcome="approved"]')).toContainText('Approved.');
  const approved = await host.server.api('GET', '/reset/session', { token: first.token });
  expect(approved.body.gatesPassed).toBe(1);
  expect(approved.body.state).toBe('ready');

  // A second request answered with the wrong number is denied, not approved.
  const second = await resetElsewhere(host, 'ken');
  await app.getByRole('button', { name: 'Back' }).click();
  await host.advance(5_000);
  await app.locator('[data-banner="approval"]').getByRole('button', { name: 'Review' }).click();
  await app.getByLabel('Number shown on the other screen').fill(String((second.number + 1) % 100));
  await app.getByRole('button', { name: 'Yes, approve' }).click();
  await expect(app.locator('[data-outcome="mismatch"]')).toContainText('The number did not match');
  const denied = await host.server.api('GET', '/reset/session', { token: second.token });
  expect(denied.body.gatesPassed).toBe(0);
  expect(denied.body.pendingChallenge?.status).toBe('denied');
});
