import { useApp, useT } from '../stores/context.js';

/**
 * While main solves the server's proof-of-work: a plain status line with an indeterminate
 * progress bar. The live region is always there (empty when idle), so screen readers
 * announce the text when it appears. Nothing to click or solve by hand.
 */
export function DeviceCheck() {
  const t = useT();
  const active = useApp((s) => s.checkingDevice);
  return (
    <div role="status" className="device-check-region">
      {active ? (
        <div className="device-check" data-banner="device-check">
          <progress aria-label={t.deviceCheck.label} />
          <p>{t.deviceCheck.text}</p>
        </div>
      ) : null}
    </div>
  );
}
