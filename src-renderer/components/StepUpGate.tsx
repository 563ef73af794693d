import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { Challenge, CreateResetSessionResponse, ResetMethod } from '../../shared/api/reset.js';
import type { IpcError } from '../../shared/ipc/contract.js';
import { call } from '../stores/call.js';
import { useBranding, useStores, useT } from '../stores/context.js';
import { Alert } from './Alert.js';
import { CodeInput } from './CodeInput.js';
import { errorText } from './error-text.js';
import { Field } from './Field.js';
import { SubmitButton } from './SubmitButton.js';

/**
 * R26: before a change of methods, this sign-in proves a method the user holds (the same
 * choices and code entry as the reset wizard) or a Temporary Access Pass (R31). Renders
 * `children` (or calls `onProven`) once proven, or at once when no step-up is needed (R27).
 */
export function StepUpGate({ children, onProven }: { children?: ReactNode; onProven?: () => void }) {
  const t = useT();
  const { bridge } = useStores();
  const { contact } = useBranding();
  const [phase, setPhase] = useState<'checking' | 'needed' | 'proven'>('checking');
  const [session, setSession] = useState<CreateResetSessionResponse | null>(null);
  const [challenge, setChallenge] = useState<{ method: ResetMethod; started: Challenge } | null>(null);
  const [usePass, setUsePass] = useState(false);
  const [pass, setPass] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const [justProven, setJustProven] = useState(false);

  useEffect(() => {
    let live = true;
    void (async () => {
      const status = await call(bridge, 'stepUp:status');
      if (!live) return;
      if (status.ok && !status.value.required) {
        setPhase('proven');
        return onProven?.();
      }
      setPhase('needed');
      if (status.ok && !status.value.hasMethods) return setUsePass(true);
      const started = await call(bridge, 'stepUp:start');
      if (!live) return;
      if (started.ok) setSession(started.value);
      else setError(started.error);
    })();
    return () => {
      live = false;
    };
    // Checked once per mount: the gate is shown for one change.
  }, [bridge]);

  const proven = () => {
    setJustProven(true);
    setPhase('proven');
    onProven?.();
  };

  async function choose(method: ResetMethod) {
    setBusy(true);
    setError(null);
    const r = await call(bridge, 'stepUp:challenge', { methodId: method.id });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    setChallenge({ method, started: r.value });
  }

  async function verify(code?: string) {
    setBusy(true);
    setError(null);
    const r = await call(bridge, 'stepUp:verify', code ? { code } : {});
    setBusy(false);
    if (!r.ok) return setError(r.error);
    proven();
  }

  async function submitPass(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await call(bridge, 'stepUp:pass', { pass: pass.trim() });
    setBusy(false);
    if (!r.ok) return setError(r.error);
    proven();
  }

  if (phase === 'checking') return null;
  if (phase === 'proven') {
    return (
      <>
        {justProven ? <Alert kind="success">{t.stepUp.confirmed}</Alert> : null}
        {children}
      </>
    );
  }
  const message = error ? errorText(t, error, contact) : null;
  let body: ReactNode;
  if (usePass) {
    body = (
      <form onSubmit={(e) => void submitPass(e)} noValidate>
        <p className="lead">{t.stepUp.passLead}</p>
        <Field label={t.stepUp.pass} help={t.stepUp.passHelp} error={message ?? undefined} autoComplete="off" autoFocus value={pass} onChange={(e) => setPass(e.target.value)} />
        <div className="actions">
          <SubmitButton busy={busy}>{t.stepUp.passSubmit}</SubmitButton>
        </div>
      </form>
    );
  } else if (challenge) {
    const { method, started } = challenge;
    body =
      method.type === 'authenticatorPush' ? (
        <div className="panel">
          <p className="lead">{t.reset.pushLead}</p>
          <p className="number-match" aria-live="polite">{started.numberMatch}</p>
          {message ? <Alert>{message}</Alert> : null}
          <div className="actions">
            <button type="button" className="button button-primary" disabled={busy} onClick={() => void verify()}>
              {t.stepUp.pushApproved}
            </button>
          </div>
        </div>
      ) : (
        <div className="panel">
          <p className="lead" role="status">
            {method.type === 'email' ? t.reset.codeSentEmail(method.hint) : method.type === 'authenticatorCode' ? t.reset.codeFromApp : method.type === 'officePhone' ? t.reset.codeSentVoice(method.hint) : t.reset.codeSentSms(method.hint)}
          </p>
          <CodeInput label={t.reset.code} help={t.reset.codeHelp} error={message} disabled={busy} resetKey={error ?? started.challengeId} onComplete={(c) => void verify(c)} />
        </div>
      );
  } else {
    body = (
      <>
        {message ? <Alert>{message}</Alert> : null}
        <p className="lead" id="step-up-choose">
          {t.stepUp.choose}
        </p>
        <ul className="method-list" aria-labelledby="step-up-choose">
          {(session?.methods ?? []).map((m) => (
            <li key={m.id}>
              <button type="button" className="method-option" data-method={m.type} aria-disabled={busy || undefined} onClick={() => void choose(m)}>
                <span className="method-label">{methodLabel(t, m)}</span>
              </button>
            </li>
          ))}
        </ul>
        <div className="actions actions-secondary">
          <button type="button" className="button button-quiet" onClick={() => setUsePass(true)}>
            {t.stepUp.passOther}
          </button>
        </div>
      </>
    );
  }
  return (
    <div className="panel" data-step-up="needed">
      <h2>{t.stepUp.title}</h2>
      <p>{t.stepUp.lead}</p>
      {body}
    </div>
  );
}

function methodLabel(t: ReturnType<typeof useT>, m: ResetMethod): string {
  switch (m.type) {
    case 'email':
      return t.reset.method.email(m.hint);
    case 'mobilePhone':
      return t.reset.method.mobilePhoneSms(m.hint);
    case 'officePhone':
      return t.reset.method.officePhone(m.hint);
    case 'authenticatorCode':
      return t.reset.method.authenticatorCode;
    case 'authenticatorPush':
      return t.reset.method.authenticatorPush;
    case 'securityQuestions':
      return t.reset.method.securityQuestions;
    case 'accessPass':
      return t.reset.method.accessPass;
  }
}
