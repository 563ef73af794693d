import { AxeBuilder } from '@axe-core/playwright';
import { test as base, expect, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, startE2eHost, type E2eHost, type HostOptions } from '../e2e-host/host.js';

const SCREENSHOTS = path.join(REPO_ROOT, 'artifacts/screenshots');

/** `host`: a fresh server + main + renderer per test; `app`: the page, opened on the renderer. */
export const test = base.extend<{ hostOptions: HostOptions; host: E2eHost; app: Page }>({
  hostOptions: [{}, { option: true }],
  host: async ({ hostOptions }, use) => {
    const host = await startE2eHost(hostOptions);
    await use(host);
    await host.close();
  },
  // Every journey also holds the page to its CSP and to zero uncaught errors.
  app: async ({ page, host }, use) => {
    const problems: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.addInitScript({ content: `globalThis.__cspViolations = []; addEventListener('securitypolicyviolation', (e) => globalThis.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));` });
    await host.open(page);
    await use(page);
    if (!page.isClosed()) problems.push(...(await page.evaluate<string[]>('globalThis.__cspViolations')).map((v) => `CSP event: ${v}`));
    expect(problems, 'CSP violations or uncaught errors in the page').toEqual([]);
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

export { addResetUser, INITIAL_PASSWORD, mailbox, registerAuthenticator, totpAt } from '../e2e-host/scenario.js';

/** The current screen's id (`data-screen`). */
export function screen(page: Page, id: string) {
  return page.locator(`[data-screen="${id}"]`);
}

/** axe-core with every rule it runs by default (WCAG 2.x A/AA and best practices): none may fail. */
export async function expectNoAxeViolations(page: Page, name: string): Promise<void> {
  // Let live regions settle so the scan sees the screen as a person would.
  await page.waitForTimeout(50);
  const results = await new AxeBuilder({ page }).analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary, `axe violations on ${name}`).toEqual([]);
  expect(results.passes.length, `axe checked nothing on ${name}`).toBeGreaterThan(10);
}
