import { useState, type FormEvent } from 'react';
import { Alert } from '../../components/Alert.js';
import { errorText } from '../../components/error-text.js';
import { Field, PasswordField } from '../../components/Field.js';
import { ScreenHeading } from '../../components/ScreenHeading.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import type { IpcError } from '../../../shared/ipc/contract.js';
import { call } from '../../stores/call.js';
import { useApp, useBranding, useStores, useT } from '../../stores/context.js';

export function SignInScreen() {
  const t = useT();
  const { bridge, app, account } = useStores();
  const { contact } = useBranding();
  const loadError = useApp((s) => s.loadError);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const result = await call(bridge, 'auth:signIn', { username: username.trim(), password });
    setBusy(false);
    // R15: an expired password goes straight to the forced change, reusing what was typed.
    if ((result.ok && result.value.passwordChangeRequired) || (!result.ok && result.error.code === 'password_expired')) {
      account.getState().setExpiredPassword(password);
      if (result.ok) account.getState().setSession(result.value);
      app.getState().go({ name: 'changePassword' });
      return;
    }
    if (!result.ok) {
      setError(result.error);
      return;
    }
    account.getState().setSession(result.value);
    setPassword('');
    app.getState().go({ name: 'home' });
  }

  const message = error ? (error.code === 'unauthorized' || error.code === 'invalid_request' ? t.signIn.wrong : errorText(t, error, contact)) : null;
  return (
    <section className="screen" data-screen="sign-in" aria-labelledby="signin-title">
      <ScreenHeading id="signin-title" focus={false}>
        {t.signIn.title}
      </ScreenHeading>
      <p className="lead">{t.signIn.lead}</p>
      {loadError ? <Alert>{errorText(t, loadError, contact)}</Alert> : null}
      {message ? <Alert>{message}</Alert> : null}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Field label={t.reset.username} name="username" autoComplete="username" autoCapitalize="off" spellCheck={false} autoFocus value={username} onChange={(e) => setUsername(e.target.value)} />
        <PasswordField label={t.signIn.password} name="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        <div className="actions">
          <SubmitButton busy={busy}>{t.signIn.submit}</SubmitButton>
        </div>
      </form>
      <p className="aside">
        <button type="button" className="button button-link" onClick={() => app.getState().go({ name: 'reset' })}>
          {t.signIn.forgot}
        </button>
      </p>
    </section>
  );
}
