import { useApp, useStores, useT } from '../stores/context.js';

/** R16 expiry warning, R5/R6 nudges, push requests and the kiosk idle notice. */
export function Banners() {
  const t = useT();
  const { app } = useStores();
  const banners = useApp((s) => s.banners);
  const screen = useApp((s) => s.screen.name);
  const kiosk = useApp((s) => s.config?.kioskMode ?? false);
  const items: Array<{ key: string; kind: 'warning' | 'info'; text: string; action?: { label: string; run(): void }; dismiss(): void }> = [];

  if (!kiosk && banners.expiry && screen !== 'changePassword') {
    const days = banners.expiry.mustChange ? 0 : (banners.expiry.daysUntilExpiry ?? 0);
    items.push({
      key: 'expiry',
      kind: 'warning',
      text: t.banner.expiry(days),
      action: { label: t.banner.changeNow, run: () => app.getState().go({ name: 'changePassword' }) },
      dismiss: () => app.getState().setBanner('expiry', null),
    });
  }
  if (!kiosk && banners.nudge && screen !== 'register') {
    const nudge = banners.nudge;
    items.push({
      key: 'nudge',
      kind: 'info',
      text: nudge.kind === 'register' ? t.banner.register : t.banner.reconfirm,
      action: { label: nudge.kind === 'register' ? t.banner.registerNow : t.banner.reconfirmNow, run: () => app.getState().go({ name: 'home' }) },
      dismiss: () => app.getState().setBanner('nudge', null),
    });
  }
  if (!kiosk && banners.approval && screen !== 'approvals') {
    items.push({
      key: 'approval',
      kind: 'warning',
      text: t.banner.approval,
      action: { label: t.banner.approvalNow, run: () => app.getState().go({ name: 'approvals' }) },
      dismiss: () => app.getState().setBanner('approval', false),
    });
  }
  if (banners.idle) {
    items.push({ key: 'idle', kind: 'info', text: t.kiosk.idleWiped, dismiss: () => app.getState().setBanner('idle', false) });
  }
  if (items.length === 0) return null;
  return (
    <div className="banners">
      {items.map((b) => (
        <section key={b.key} className={`banner banner-${b.kind}`} role={b.kind === 'warning' ? 'alert' : 'status'} data-banner={b.key} aria-label={b.text}>
          <p className="banner-text">{b.text}</p>
          <div className="banner-actions">
            {b.action ? (
              <button type="button" className="button button-primary" onClick={b.action.run}>
                {b.action.label}
              </button>
            ) : null}
            <button type="button" className="button button-quiet" onClick={b.dismiss}>
              {t.banner.dismiss}
            </button>
          </div>
        </section>
      ))}
    </div>
  );
}
