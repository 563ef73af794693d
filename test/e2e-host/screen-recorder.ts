import type { Page } from '@playwright/test';

/**
 * Records every `data-screen` the page shows, in order, from inside the page (a mutation
 * observer), so a journey can be counted in screens. Returns a reader. Source text, not a
 * serialised function, so it runs the same under tsx and the Playwright runner.
 */
export async function recordScreens(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(`(() => {
    const seen = [];
    globalThis.__screens = seen;
    const note = () => {
      const id = document.querySelector('[data-screen]')?.getAttribute('data-screen');
      if (id && id !== 'loading' && seen[seen.length - 1] !== id) seen.push(id);
    };
    note();
    new MutationObserver(note).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-screen'] });
  })()`);
  return () => page.evaluate<string[]>('[...globalThis.__screens]');
}
