import { useEffect, useState } from 'react';
import type { AfterResetGuidance } from '../../../shared/ipc/contract.js';
import { OutcomeScreen } from '../../components/OutcomeScreen.js';
import { formatWhen } from '../../i18n/index.js';
import { call } from '../../stores/call.js';
import { useApp, useReset, useStores, useT } from '../../stores/context.js';

/** The end: say plainly what happened and what to do next. */
export function DoneScreen() {
  const t = useT();
  const { reset, app, bridge } = useStores();
  const result = useReset((s) => s.result);
  const unlocked = useReset((s) => s.unlocked);
  const username = useReset((s) => s.username);
  const lastFailed = useReset((s) => s.lastFailedSignInAt);
  const locale = useApp((s) => s.locale);
  // What this device needs next, detected by main (the OS, and whether it is this computer's account).
  const [guidance, setGuidance] = useState<AfterResetGuidance | null>(null);
  useEffect(() => {
    if (!username) return;
    void call(bridge, 'device:afterResetGuidance', { username }).then((r) => setGuidance(r.ok ? r.value : null));
  }, [bridge, username]);
  const kiosk = useApp((s) => s.config?.kioskMode ?? false);
  // An unlock kept the password, so this computer's cached one is still right: only the devices
  // with an old password saved (the usual cause of the lockout) are left to fix.
  const steps = guidance ? guidance.steps.filter((step) => !unlocked || step === 'other-devices') : null;
  const lead = unlocked ? t.reset.unlockedLead : result?.unlocked ? t.reset.doneUnlocked : t.reset.doneNotUnlocked;
  return (
    <OutcomeScreen screen="reset-done" kind="done" icon="check" title={unlocked ? t.reset.unlockedTitle : t.reset.doneTitle} lead={lead}>
      {steps ? (
        <section className="after-reset" aria-labelledby="after-reset-heading" data-testid="after-reset-guidance">
          <h2 id="after-reset-heading">{t.reset.guidanceHeading}</h2>
          <ul>
            {steps.map((step) => (
              <li key={step} data-step={step}>
                {t.reset.guidance[step]}
                {step === 'other-devices' && lastFailed ? (
                  <>
                    {' '}
                    <span data-testid="last-failed-sign-in">{t.reset.lastFailedSignIn(formatWhen(new Date(lastFailed), locale, new Date()))}</span>
                  </>
                ) : null}
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
