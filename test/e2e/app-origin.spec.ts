import { APP_CSP } from '../../src-main/common/window-options.js';
import { expect, test } from './fixtures.js';

// The journeys' page is served by main's app:// handler: the CSP arrives as a header, where
// frame-ancestors applies too (a <meta> CSP cannot carry it).
test('the renderer is served with the CSP as a response header, and only its own files', async ({ page, host }) => {
  const res = await fetch(host.appUrl);
  expect(res.headers.get('content-security-policy')).toBe(APP_CSP);
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  expect((await fetch(new URL('../package.json', host.appUrl))).status).toBe(404);
  expect((await fetch(`${host.appUrl}..%2F..%2Fpackage.json`)).status).toBe(404);
  // Chromium enforces the header: another page cannot frame the app (frame-ancestors 'none').
  const refused = page.waitForEvent('console', (m) => /frame-ancestors/.test(m.text()));
  await page.setContent(`<iframe src="${host.appUrl}" title="app"></iframe>`);
  expect((await refused).text()).toContain("frame-ancestors 'none'");
  const frame = page.frames().find((f) => f !== page.mainFrame())!;
  await expect(frame.locator('[data-screen]')).toHaveCount(0);
});
