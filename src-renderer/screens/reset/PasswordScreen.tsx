import { useState, type FormEvent } from 'react';
import { Alert } from '../../components/Alert.js';
import { errorText } from '../../components/error-text.js';
import { NewPassword, passwordProblems, useLocalViolations, type NewPasswordValue } from '../../components/NewPassword.js';
import { ScreenHeading } from '../../components/ScreenHeading.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { useBranding, useReset, useStores, useT } from '../../stores/context.js';

/** Gates passed: choose the new password, with the policy checklist live as you type. */
export function PasswordScreen() {
  const t = useT();
  const { reset } = useStores();
  const { contact } = useBranding();
  const username = useReset((s) => s.username);
  const busy = useReset((s) => s.busy);
  const error = useReset((s) => s.error);
  // R37: the server says this only when the policy allows unlock-only, past every gate.
  const locked = useReset((s) => s.view?.accountLocked === true);
  const [value, setValue] = useState<NewPasswordValue>({ password: '', confirm: '' });
  const [unlock, setUnlock] = useState(true);
  const [submitted, setSubmitted] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const owner = { username };
  const local = useLocalViolations(value.password, owner);

  // A refusal is about the password that was sent: it goes away once the person edits it.
  const shownError = error && !(error.code === 'password_policy' && sent !== value.password) ? error : null;

  function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (!passwordProblems(value.password, value.confirm, local).ok) return;
    setSent(value.password);
    void reset.getState().setPassword(value.password, unlock);
  }

  return (
    <section className="screen" data-screen="reset-password" aria-labelledby="password-title">
      <ScreenHeading id="password-title" focus={false}>
        {t.reset.passwordTitle}
      </ScreenHeading>
      <p className="lead">{t.reset.passwordLead}</p>
      {shownError ? <Alert>{errorText(t, shownError, contact)}</Alert> : null}
      {locked ? (
        <section className="unlock-only" aria-labelledby="unlock-only-heading" data-testid="unlock-only">
          <h2 id="unlock-only-heading">{t.reset.unlockOnlyHeading}</h2>
          <p>{t.reset.unlockOnlyLead}</p>
          <div className="actions">
            <button type="button" className="button button-secondary" disabled={busy} onClick={() => void reset.getState().unlock()}>
              {t.reset.unlockOnly}
            </button>
          </div>
        </section>
      ) : null}
      <form onSubmit={submit} noValidate>
        <NewPassword
          purpose="reset"
          owner={owner}
          value={value}
          onChange={setValue}
          showErrors={submitted}
          serverViolations={shownError?.code === 'password_policy' ? shownError.violations : null}
          autoFocus
        />
        <div className="checkbox">
          <input id="unlock" type="checkbox" checked={unlock} onChange={(e) => setUnlock(e.target.checked)} />
          <label htmlFor="unlock">{t.reset.unlock}</label>
        </div>
        <div className="actions">
          <SubmitButton busy={busy}>{t.reset.setPassword}</SubmitButton>
          <button type="button" className="button button-quiet" onClick={() => void reset.getState().cancel()}>
            {t.app.cancel}
          </button>
        </div>
      </form>
    </section>
  );
}
