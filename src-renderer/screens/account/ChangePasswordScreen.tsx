import { useState, type FormEvent } from 'react';
import type { IpcError } from '../../../shared/ipc/contract.js';
import { Alert } from '../../components/Alert.js';
import { errorText } from '../../components/error-text.js';
import { PasswordField } from '../../components/Field.js';
import { NewPassword, passwordProblems, useLocalViolations, type NewPasswordValue } from '../../components/NewPassword.js';
import { OutcomeScreen } from '../../components/OutcomeScreen.js';
import { ScreenHeading } from '../../components/ScreenHeading.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { call } from '../../stores/call.js';
import { useAccount, useBranding, useStores, useT } from '../../stores/context.js';

/** R15: change the password (current + new); also the forced change of an expired one. */
export function ChangePasswordScreen() {
  const t = useT();
  const { bridge, app, account } = useStores();
  const { contact } = useBranding();
  const user = useAccount((s) => s.session?.user ?? null);
  const expiredPassword = useAccount((s) => s.expiredPassword);
  const must = useAccount((s) => s.session?.passwordChangeRequired ?? false) || expiredPassword !== null;
  const [current, setCurrent] = useState('');
  const [value, setValue] = useState<NewPasswordValue>({ password: '', confirm: '' });
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const [done, setDone] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  const owner = { username: user?.username ?? '', displayName: user?.displayName ?? null };
  const local = useLocalViolations(value.password, owner);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (busy || !passwordProblems(value.password, value.confirm, local).ok) return;
    setBusy(true);
    setError(null);
    setSent(value.password);
    const result = await call(bridge, 'me:changePassword', { currentPassword: expiredPassword ?? current, newPassword: value.password });
    setBusy(false);
    if (!result.ok) {
      // A wrong expired password typed at sign-in: ask for it here instead.
      if (result.error.code === 'unauthorized' && expiredPassword !== null) account.getState().setExpiredPassword(null);
      setError(result.error);
      return;
    }
    account.getState().setExpiredPassword(null);
    app.getState().setBanner('expiry', null);
    setDone(true);
    await account.getState().loadSession();
    void account.getState().refresh();
  }

  if (done) {
    return (
      <OutcomeScreen screen="change-done" kind="done" icon="check" title={t.change.title} lead={t.change.done}>
        <div className="actions">
          <button type="button" className="button button-primary" onClick={() => app.getState().go({ name: 'home' })}>
            {t.app.continue}
          </button>
        </div>
      </OutcomeScreen>
    );
  }

  const shownError = error && !(error.code === 'password_policy' && sent !== value.password) ? error : null;
  const message = shownError ? (shownError.code === 'unauthorized' ? t.change.currentWrong : errorText(t, shownError, contact)) : null;
  return (
    <section className="screen" data-screen="change-password" aria-labelledby="change-title">
      <ScreenHeading id="change-title" focus={false}>
        {must ? t.change.mustTitle : t.change.title}
      </ScreenHeading>
      {must ? <p className="lead">{t.change.mustLead}</p> : null}
      {message ? <Alert>{message}</Alert> : null}
      <form onSubmit={(e) => void submit(e)} noValidate>
        {expiredPassword === null ? (
          <PasswordField label={t.change.current} autoComplete="current-password" autoFocus value={current} onChange={(e) => setCurrent(e.target.value)} />
        ) : null}
        <NewPassword
          purpose="change"
          owner={owner}
          value={value}
          onChange={setValue}
          showErrors={submitted}
          serverViolations={shownError?.code === 'password_policy' ? shownError.violations : null}
          autoFocus={expiredPassword !== null}
        />
        <div className="actions">
          <SubmitButton busy={busy}>{t.change.submit}</SubmitButton>
          {must ? null : (
            <button type="button" className="button button-quiet" onClick={() => app.getState().go({ name: 'home' })}>
              {t.app.cancel}
            </button>
          )}
        </div>
      </form>
    </section>
  );
}
