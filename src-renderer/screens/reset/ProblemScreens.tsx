import { Icon } from '../../components/Icon.js';
import { ScreenHeading } from '../../components/ScreenHeading.js';
import { formatWhen } from '../../i18n/index.js';
import { useApp, useBranding, useReset, useStores, useT } from '../../stores/context.js';

/** Reset paused (R11): when to come back, and who to call if it cannot wait. */
export function LockedScreen() {
  const t = useT();
  const { reset } = useStores();
  const { bridge } = useStores();
  const { contact, contactConfigured } = useBranding();
  const locale = useApp((s) => s.locale);
  const kiosk = useApp((s) => s.config?.kioskMode ?? false);
  const retryAt = useReset((s) => s.retryAt);
  const now = new Date();
  return (
    <section className="screen" data-screen="reset-locked" aria-labelledby="locked-title">
      <div className="problem-mark">
        <Icon name="pause" />
      </div>
      <ScreenHeading id="locked-title">{t.reset.lockedTitle}</ScreenHeading>
      <p className="lead">{t.reset.lockedLead}</p>
      <p data-testid="retry-at">
        {retryAt
          ? t.reset.lockedRetry(formatWhen(new Date(retryAt), locale, now), t.time.wait(Math.max(1, (retryAt - now.getTime()) / 1000)))
          : t.reset.lockedRetryUnknown}
      </p>
      <p>{t.reset.lockedContact(contact)}</p>
      <div className="actions">
        {/* Main opens the mailto:/https: link in the OS; a kiosk has no mail client to open. */}
        {contactConfigured && !kiosk ? (
          <button type="button" className="button button-primary" onClick={() => void bridge.invoke('app:openContactAdmin')}>
            {t.app.contactButton(contact)}
          </button>
        ) : null}
        <button type="button" className="button button-secondary" onClick={() => void reset.getState().cancel()}>
          {t.app.startOver}
        </button>
      </div>
    </section>
  );
}

/** R13: the 15-minute session ended; nothing changed. */
export function ExpiredScreen() {
  const t = useT();
  const { reset } = useStores();
  return (
    <section className="screen" data-screen="reset-expired" aria-labelledby="expired-title">
      <div className="problem-mark">
        <Icon name="clock" />
      </div>
      <ScreenHeading id="expired-title">{t.reset.expiredTitle}</ScreenHeading>
      <p className="lead">{t.reset.expiredLead}</p>
      <div className="actions">
        <button type="button" className="button button-primary" onClick={() => void reset.getState().cancel()}>
          {t.app.startOver}
        </button>
      </div>
    </section>
  );
}

/** The directory is down: the session is kept, and "try again" repeats the last step. */
export function UnavailableScreen() {
  const t = useT();
  const { reset } = useStores();
  const busy = useReset((s) => s.busy);
  return (
    <section className="screen" data-screen="reset-unavailable" aria-labelledby="unavailable-title">
      <div className="problem-mark">
        <Icon name="warning" />
      </div>
      <ScreenHeading id="unavailable-title">{t.reset.unavailableTitle}</ScreenHeading>
      <p className="lead">{t.reset.unavailableLead}</p>
      <div className="actions">
        <button type="button" className="button button-primary" disabled={busy} onClick={() => void reset.getState().retryLast()}>
          {t.app.tryAgain}
        </button>
        <button type="button" className="button button-quiet" onClick={() => void reset.getState().cancel()}>
          {t.app.startOver}
        </button>
      </div>
    </section>
  );
}
