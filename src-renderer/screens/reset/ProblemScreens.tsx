import { DiagnoseLink } from '../../components/DiagnoseLink.js';
import { OutcomeScreen } from '../../components/OutcomeScreen.js';
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
    <OutcomeScreen screen="reset-locked" kind="problem" icon="pause" title={t.reset.lockedTitle} lead={t.reset.lockedLead}>
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
    </OutcomeScreen>
  );
}

/** R13: the 15-minute session ended; nothing changed. */
export function ExpiredScreen() {
  const t = useT();
  const { reset } = useStores();
  return (
    <OutcomeScreen screen="reset-expired" kind="problem" icon="clock" title={t.reset.expiredTitle} lead={t.reset.expiredLead}>
      <div className="actions">
        <button type="button" className="button button-primary" onClick={() => void reset.getState().cancel()}>
          {t.app.startOver}
        </button>
      </div>
    </OutcomeScreen>
  );
}

/** The directory is down: the session is kept, and "try again" repeats the last step. */
export function UnavailableScreen() {
  const t = useT();
  const { reset } = useStores();
  const busy = useReset((s) => s.busy);
  return (
    <OutcomeScreen screen="reset-unavailable" kind="problem" icon="warning" title={t.reset.unavailableTitle} lead={t.reset.unavailableLead}>
      <DiagnoseLink />
      <div className="actions">
        <button type="button" className="button button-primary" disabled={busy} onClick={() => void reset.getState().retryLast()}>
          {t.app.tryAgain}
        </button>
        <button type="button" className="button button-quiet" onClick={() => void reset.getState().cancel()}>
          {t.app.startOver}
        </button>
      </div>
    </OutcomeScreen>
  );
}
