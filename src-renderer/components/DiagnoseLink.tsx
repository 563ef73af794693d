import { useStores, useT } from '../stores/context.js';

/** "Why can't I reset here?" from a screen where the reset could not go on; Back returns here. */
export function DiagnoseLink() {
  const t = useT();
  const { app } = useStores();
  return (
    <button type="button" className="button button-link" data-testid="diagnose-link" onClick={() => app.getState().go({ name: 'diagnosis', back: app.getState().screen })}>
      {t.diagnosis.link}
    </button>
  );
}
