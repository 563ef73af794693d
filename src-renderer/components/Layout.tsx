import type { ReactNode } from 'react';
import { useApp, useBranding, useStores, useT } from '../stores/context.js';
import { Banners } from './Banners.js';
import { DeviceCheck } from './DeviceCheck.js';

/** The frame of every screen: skip link, branded header, language switch, banners, content. */
export function Layout({ children, announce }: { children: ReactNode; announce: string }) {
  const t = useT();
  const { app, bridge } = useStores();
  // At the OS sign-in screen the way out is back to it (main exits with the outcome code).
  const logon = useApp((s) => s.info?.logonMode ?? false);
  const locale = useApp((s) => s.locale);
  const kiosk = useApp((s) => s.config?.kioskMode ?? s.info?.kioskMode ?? false);
  const { organizationName, logo } = useBranding();
  return (
    <div className={kiosk ? 'shell kiosk' : 'shell'}>
      <a className="skip-link" href="#content">
        {t.app.skipToContent}
      </a>
      <header className="topbar">
        <div className="brand">
          {logo ? <img className="brand-logo" src={logo} alt="" /> : <span className="brand-mark" aria-hidden="true" />}
          <span className="brand-name">{organizationName ? t.app.titleWithOrg(organizationName) : t.app.title}</span>
        </div>
        <button
          type="button"
          className="button button-quiet lang-switch"
          lang={locale === 'ja' ? 'en' : 'ja'}
          aria-label={t.app.switchLanguageLabel}
          onClick={() => void app.getState().setLocale(locale === 'ja' ? 'en' : 'ja')}
        >
          {t.app.switchLanguage}
        </button>
        {logon ? (
          <button type="button" className="button button-secondary logon-exit" onClick={() => void bridge.invoke('logon:finish')}>
            {t.app.logonExit}
          </button>
        ) : null}
      </header>
      <Banners />
      <DeviceCheck />
      <main id="content" className="content" tabIndex={-1}>
        {children}
      </main>
      {/* Screen changes are announced even when focus goes to an input, not the heading. */}
      <div className="visually-hidden" aria-live="polite" aria-atomic="true">
        {announce}
      </div>
    </div>
  );
}
