import { test as base, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ParsedMail } from 'mailparser';
import { codeIn } from '../helpers/smtp-peer.js';
import { REPO_ROOT, startE2eHost, type E2eHost, type HostOptions } from '../e2e-host/host.js';

export const SCREENSHOTS = path.join(REPO_ROOT, 'artifacts/screenshots');

/** `host`: a fresh server + main + renderer per test; `app`: the page, opened on the renderer. */
export const test = base.extend<{ hostOptions: HostOptions; host: E2eHost; app: Page }>({
  hostOptions: [{}, { option: true }],
  host: async ({ hostOptions }, use) => {
    const host = await startE2eHost(hostOptions);
    await use(host);
    await host.close();
  },
  app: async ({ page, host }, use) => {
    await host.open(page);
    await use(page);
  },
});

export { expect };

/** A full-page screenshot under artifacts/screenshots/<name>.png. */
export async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const file = path.join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export const INITIAL_PASSWORD = 'Initial-Passw0rd!';

/**
 * A built-in directory user whose recovery email an administrator set on their behalf (R4),
 * so they can reset without registering.
 */
export async function addResetUser(host: E2eHost, username: string, recoveryEmail = `${username}.home@example.net`, extra: { displayName?: string } = {}) {
  await host.server.addUser({ username, displayName: extra.displayName ?? username, email: `${username}@example.com`, password: INITIAL_PASSWORD });
  const r = await host.server.api('PUT', `/admin/users/${encodeURIComponent(username)}/methods`, { token: host.server.adminToken, body: { email: recoveryEmail } });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return { username, recoveryEmail };
}

/** The code in the next mail to `address` not read before (each call consumes one mail). */
export function mailbox(host: E2eHost) {
  const read = new Set<ParsedMail>();
  return {
    async nextCode(address: string): Promise<string> {
      const mail = await host.server.smtp.waitFor(address, (m) => !read.has(m), 10_000);
      read.add(mail);
      return codeIn(mail.text);
    },
  };
}

/** The current screen's id (`data-screen`). */
export function screen(page: Page, id: string) {
  return page.locator(`[data-screen="${id}"]`);
}
