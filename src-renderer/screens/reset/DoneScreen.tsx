import { useEffect, useState } from 'react';
import type { AfterResetGuidance } from '../../../shared/ipc/contract.js';
import { OutcomeScreen } from '../../components/OutcomeScreen.js';
import { call } from '../../stores/call.js';
import { useApp, useReset, useStores, useT } from '../../stores/context.js';

/** The end: say plainly what happened and what to do next. */
export function DoneScreen() {
  const t = useT();
  const { reset, app, bridge } = useStores();
  const result = useReset((s) => s.result);
  const username = useReset((s) => s.username);
  // What this device needs next, detected by main (the OS, and whether it is this computer's account).
  const [guidance, setGuidance] = useState<AfterResetGuidance | null>(null);
  useEffect(() => {
    if (!username) return;
    void call(bridge, 'device:afterResetGuidance', { username }).then((r) => setGuidance(r.ok ? r.value : null));
  }, [bridge, username]);
  const kiosk = useApp((s) => s.config?.kioskMode ?? false);
  return (
    <OutcomeScreen screen="reset-done" kind="done" icon="check" title={t.reset.doneTitle} lead={result?.unlocked ? t.reset.doneUnlocked : t.reset.doneNotUnlocked}>
      {guidance ? (
        <section className="after-reset" aria-labelledby="after-reset-heading" data-testid="after-reset-guidance">
          <h2 id="after-reset-heading">{t.reset.guidanceHeading}</h2>
          <ul>
            {guidance.steps.map((step) => (
              <li key={step} data-step={step}>
                {t.reset.guidance[step]}
              </li>
            ))}
          </ul>
        </section>
      ) : (
        <p>{t.reset.doneNext}</p>
      )}
      <div className="actions">
        <button
          type="button"
          className="button button-primary"
          onClick={() => {
            reset.getState().wipe();
            if (!kiosk) app.getState().go({ name: 'signIn' });
          }}
        >
          {kiosk ? t.app.done : t.signIn.submit}
        </button>
      </div>
    </OutcomeScreen>
  );
}
