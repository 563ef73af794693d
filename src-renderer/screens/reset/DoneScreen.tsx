import { Icon } from '../../components/Icon.js';
import { ScreenHeading } from '../../components/ScreenHeading.js';
import { useApp, useReset, useStores, useT } from '../../stores/context.js';

/** The end: say plainly what happened and what to do next. */
export function DoneScreen() {
  const t = useT();
  const { reset, app } = useStores();
  const result = useReset((s) => s.result);
  const kiosk = useApp((s) => s.config?.kioskMode ?? false);
  return (
    <section className="screen screen-done" data-screen="reset-done" aria-labelledby="done-title">
      <div className="done-mark">
        <Icon name="check" />
      </div>
      <ScreenHeading id="done-title">{t.reset.doneTitle}</ScreenHeading>
      <p className="lead" role="status">
        {result?.unlocked ? t.reset.doneUnlocked : t.reset.doneNotUnlocked}
      </p>
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
    </section>
  );
}
