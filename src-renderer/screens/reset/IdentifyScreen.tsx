import { useState, type FormEvent } from 'react';
import { Alert } from '../../components/Alert.js';
import { DiagnoseLink } from '../../components/DiagnoseLink.js';
import { errorText } from '../../components/error-text.js';
import { Field } from '../../components/Field.js';
import { ScreenHeading } from '../../components/ScreenHeading.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useApp, useBranding, useReset, useStores, useT } from '../../stores/context.js';

/** Step 1: who is resetting. The answer never says whether the name exists (R13b). */
export function IdentifyScreen() {
  const t = useT();
  const { reset, app } = useStores();
  const { contact } = useBranding();
  const busy = useReset((s) => s.busy);
  const error = useReset((s) => s.error);
  const username = useReset((s) => s.username);
  const kiosk = useApp((s) => s.config?.kioskMode ?? false);
  const loadError = useApp((s) => s.loadError);
  const [name, setName] = useState(username);
  const [missing, setMissing] = useState(false);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!name.trim()) {
      setMissing(true);
      return;
    }
    setMissing(false);
    void reset.getState().start(name.trim());
  }

  return (
    <section className="screen" data-screen="reset-identify" aria-labelledby="identify-title">
      <ScreenHeading id="identify-title" focus={false}>
        {t.reset.identifyTitle}
      </ScreenHeading>
      <p className="lead">{t.reset.identifyLead}</p>
      {loadError ? <Alert>{errorText(t, loadError, contact)}</Alert> : null}
      {error ? <Alert>{errorText(t, error, contact)}</Alert> : null}
      {loadError || error ? <DiagnoseLink /> : null}
      <form onSubmit={submit} noValidate>
        <Field
          label={t.reset.username}
          help={t.reset.usernameHelp}
          error={missing ? t.reset.usernameRequired : undefined}
          name="username"
          autoComplete="username"
          autoCapitalize="off"
          spellCheck={false}
          autoFocus
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <div className="actions">
          <SubmitButton busy={busy}>{t.app.continue}</SubmitButton>
          {kiosk ? null : (
            <button type="button" className="button button-secondary" onClick={() => app.getState().go({ name: 'signIn' })}>
              {t.app.back}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
