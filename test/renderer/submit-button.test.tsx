import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { CompanionBridge } from '../../shared/ipc/contract.js';
import { SubmitButton } from '../../src-renderer/components/SubmitButton.js';
import { en } from '../../src-renderer/i18n/en.js';
import { ja } from '../../src-renderer/i18n/ja.js';
import { createAccountStore } from '../../src-renderer/stores/account-store.js';
import { createAppStore } from '../../src-renderer/stores/app-store.js';
import { StoresProvider } from '../../src-renderer/stores/context.js';
import { createResetStore } from '../../src-renderer/stores/reset-store.js';

/** Rendering only: a bridge nobody calls. */
const bridge: CompanionBridge = {
  invoke: () => Promise.reject(new Error('no call expected')),
  on: () => () => undefined,
};

function render(locale: 'en' | 'ja', node: React.ReactNode): string {
  const stores = { bridge, app: createAppStore(bridge, locale), reset: createResetStore(bridge), account: createAccountStore(bridge) };
  return renderToStaticMarkup(<StoresProvider stores={stores}>{node}</StoresProvider>);
}

describe("every form's primary button (the shared SubmitButton)", () => {
  it('R20: ready, it submits with its own label and no busy state', () => {
    const html = render('en', <SubmitButton busy={false}>Continue</SubmitButton>);
    expect(html).toBe('<button type="submit" class="button button-primary">Continue</button>');
  });

  it('R20: busy, it is disabled, says it is busy in the locale and tells assistive technology (aria-busy)', () => {
    for (const [locale, t] of [['en', en], ['ja', ja]] as const) {
      const html = render(locale, <SubmitButton busy>Continue</SubmitButton>);
      expect(html).toBe(`<button type="submit" class="button button-primary" disabled="" aria-busy="true">${t.app.busy}</button>`);
    }
  });

  it('a form that is not ready yet (an empty field) disables it without calling it busy', () => {
    const html = render('en', <SubmitButton busy={false} disabled>Verify</SubmitButton>);
    expect(html).toBe('<button type="submit" class="button button-primary" disabled="">Verify</button>');
  });
});
