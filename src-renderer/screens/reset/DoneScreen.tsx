import { OutcomeScreen } from '../../components/OutcomeScreen.js';
import { useApp, useReset, useStores, useT } from '../../stores/context.js';

/** The end: say plainly what happened and what to do next. */
export function DoneScreen() {
  const t = useT();
  const { reset, app } = useStores();
  const result = useReset((s) => s.result);
  const kiosk = useApp((s) => s.config?.kioskMode ?? false);
  return (
    <OutcomeScreen screen="reset-done" kind="done" icon="check" title={t.reset.doneTitle} lead={result?.unlocked ? t.reset.doneUnlocked : t.reset.doneNotUnlocked}>
      <p>{t.reset.doneNext}</p>
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
