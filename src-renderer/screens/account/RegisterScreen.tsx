import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { PHONE_CHANNELS, type MethodType, type PhoneChannel } from '../../../shared/api/common.js';
import type { RegisterMethodResponse } from '../../../shared/api/me.js';
import type { IpcError } from '../../../shared/ipc/contract.js';
import { PREDEFINED_QUESTIONS, validateQuestionRegistration, type QuestionText } from '../../../shared/rules/security-questions.js';
import { Alert } from '../../components/Alert.js';
import { CodeInput } from '../../components/CodeInput.js';
import { errorText } from '../../components/error-text.js';
import { Field } from '../../components/Field.js';
import { ScreenHeading } from '../../components/ScreenHeading.js';
import { StepUpGate } from '../../components/StepUpGate.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import { call } from '../../stores/call.js';
import { useApp, useBranding, useStores, useT } from '../../stores/context.js';

/** R8: registration of one enabled method; each kind has its own small form. */
export function RegisterScreen({ method }: { method: MethodType }) {
  const t = useT();
  const { app, account } = useStores();
  const [saved, setSaved] = useState(false);
  const finish = () => {
    setSaved(true);
    void account.getState().refresh();
  };
  const back = () => app.getState().go({ name: 'home' });
  let body: ReactNode;
  if (saved) {
    body = (
      <>
        <Alert kind="success">{t.register.verified}</Alert>
        <div className="actions">
          <button type="button" className="button button-primary" autoFocus onClick={back}>
            {t.app.continue}
          </button>
        </div>
      </>
    );
  } else if (method === 'authenticatorCode') body = <RegisterAuthenticator onDone={finish} />;
  else if (method === 'securityQuestions') body = <RegisterQuestions onDone={finish} />;
  else if (method === 'authenticatorPush') body = <RegisterPush onDone={finish} />;
  else body = <RegisterContact type={method} onDone={finish} />;
  return (
    <section className="screen" data-screen={`register-${method}`} aria-labelledby="register-title">
      <ScreenHeading id="register-title">{t.register.title(t.methodNames[method])}</ScreenHeading>
      {saved ? body : <StepUpGate>{body}</StepUpGate>}
      {saved ? null : (
        <div className="actions actions-secondary">
          <button type="button" className="button button-quiet" onClick={back}>
            {t.app.cancel}
          </button>
        </div>
      )}
    </section>
  );
}

function useErrorText(error: IpcError | null): string | null {
  const t = useT();
  const { contact } = useBranding();
  return error ? errorText(t, error, contact) : null;
}

/** Email, mobile or office phone: enter it, receive a code, prove it. */
function RegisterContact({ type, onDone }: { type: 'email' | 'mobilePhone' | 'officePhone'; onDone(): void }) {
  const t = useT();
  const { bridge } = useStores();
  const locale = useApp((s) => s.locale);
  const [value, setValue] = useState('');
  const [channel, setChannel] = useState<PhoneChannel>('sms');
  const [pending, setPending] = useState<RegisterMethodResponse | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const message = useErrorText(error);

  async function send(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const input =
      type === 'email'
        ? { type, address: value.trim(), locale }
        : type === 'mobilePhone'
          ? { type, number: value.trim(), channel, locale }
          : { type, number: value.trim(), locale };
    const result = await call(bridge, 'me:register', input);
    setBusy(false);
    if (!result.ok) return setError(result.error);
    if (result.value.pendingVerification) setPending(result.value);
    else onDone();
  }

  async function verify(code: string) {
    if (!pending) return;
    setBusy(true);
    setError(null);
    const result = await call(bridge, 'me:verifyMethod', { methodId: pending.method.id, code });
    setBusy(false);
    if (!result.ok) return setError(result.error);
    onDone();
  }

  if (pending) {
    return (
      <div className="panel">
        <p className="lead" role="status">
          {type === 'email' ? t.reset.codeSentEmail(pending.method.hint) : channel === 'voice' || type === 'officePhone' ? t.reset.codeSentVoice(pending.method.hint) : t.reset.codeSentSms(pending.method.hint)}
        </p>
        <CodeInput label={t.register.enterCode} help={t.reset.codeHelp} error={message} disabled={busy} resetKey={error ?? pending.method.id} onComplete={(c) => void verify(c)} />
      </div>
    );
  }
  return (
    <form onSubmit={(e) => void send(e)} noValidate>
      <p className="lead">{type === 'email' ? t.register.emailLead : t.register.phoneLead}</p>
      <Field
        label={type === 'email' ? t.register.emailAddress : t.register.phoneNumber}
        help={type === 'email' ? undefined : t.register.phoneHelp}
        error={message ?? undefined}
        type={type === 'email' ? 'email' : 'tel'}
        autoComplete={type === 'email' ? 'email' : 'tel'}
        autoFocus
        value={value}
        onChange={(e) => setValue(e.target.value)}
      />
      {type === 'mobilePhone' ? (
        <fieldset className="choices">
          <legend>{t.register.channel}</legend>
          {PHONE_CHANNELS.map((c) => (
            <div className="checkbox" key={c}>
              <input id={`channel-${c}`} type="radio" name="channel" checked={channel === c} onChange={() => setChannel(c)} />
              <label htmlFor={`channel-${c}`}>{c === 'sms' ? t.register.channelSms : t.register.channelVoice}</label>
            </div>
          ))}
        </fieldset>
      ) : null}
      <div className="actions">
        <SubmitButton busy={busy}>{t.register.sendCode}</SubmitButton>
      </div>
    </form>
  );
}

/** RFC 6238: show the QR code and the key once, then prove the app with one code. */
function RegisterAuthenticator({ onDone }: { onDone(): void }) {
  const t = useT();
  const { bridge } = useStores();
  const [created, setCreated] = useState<RegisterMethodResponse | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const message = useErrorText(error);
  const started = useRef(false);

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    void call(bridge, 'me:register', { type: 'authenticatorCode' }).then(async (result) => {
      if (!result.ok) return setError(result.error);
      setCreated(result.value);
      if (result.value.otpauthUri) {
        // Loaded only here: the QR encoder is not needed on any other screen.
        const QRCode = await import('qrcode');
        const svg = await QRCode.toString(result.value.otpauthUri, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' });
        setQr(`data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`);
      }
    });
  }, [bridge]);

  async function verify(code: string) {
    if (!created) return;
    setBusy(true);
    setError(null);
    const result = await call(bridge, 'me:verifyMethod', { methodId: created.method.id, code });
    setBusy(false);
    if (!result.ok) return setError(result.error);
    onDone();
  }

  if (!created) return message ? <Alert>{message}</Alert> : <p className="muted">{t.app.loading}</p>;
  const secret = created.secret ?? '';
  return (
    <div className="panel">
      <p className="lead">{t.register.authLead}</p>
      {qr ? <img className="qr" src={qr} alt={t.register.qrAlt} width={220} height={220} data-testid="totp-qr" /> : null}
      <p>{t.register.manualSecret}</p>
      <p className="secret" aria-label={t.register.secretLabel} data-testid="totp-secret" data-secret={secret}>
        {secret.replace(/(.{4})/g, '$1 ').trim()}
      </p>
      <p>{t.register.authEnterCode}</p>
      <CodeInput label={t.reset.code} help={t.reset.codeHelp} error={message} disabled={busy} resetKey={error ?? created.method.id} onComplete={(c) => void verify(c)} />
    </div>
  );
}

/** R9: pick the questions and answer them; the rules are checked as the person types. */
function RegisterQuestions({ onDone }: { onDone(): void }) {
  const t = useT();
  const { bridge } = useStores();
  const locale = useApp((s) => s.locale);
  const policy = useApp((s) => s.policy);
  const [questions, setQuestions] = useState<QuestionText[] | null>(null);
  const [required, setRequired] = useState(policy?.securityQuestions.requiredToRegister ?? 3);
  const [rows, setRows] = useState<Array<{ questionId: string; answer: string }>>([]);
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const message = useErrorText(error);

  useEffect(() => {
    void call(bridge, 'me:securityQuestions', { locale }).then((result) => {
      if (!result.ok) return setError(result.error);
      setQuestions(result.value.questions);
      setRequired(result.value.requiredToRegister);
      setRows((old) => (old.length ? old : Array.from({ length: result.value.requiredToRegister }, () => ({ questionId: '', answer: '' }))));
    });
  }, [bridge, locale]);

  if (!questions) return message ? <Alert>{message}</Alert> : <p className="muted">{t.app.loading}</p>;

  const predefined = new Set(PREDEFINED_QUESTIONS.map((q) => q.id));
  const rulesPolicy = {
    requiredToRegister: required,
    requiredToReset: Math.min(required, policy?.securityQuestions.requiredToReset ?? required),
    custom: questions.filter((q) => !predefined.has(q.id)).map((q) => q.text),
  };
  const chosen = rows.filter((r) => r.questionId);
  const problems = validateQuestionRegistration(chosen, rulesPolicy, locale);
  const problemFor = (row: { questionId: string; answer: string }) =>
    problems.find((p) => 'questionId' in p && p.questionId === row.questionId && (submitted || row.answer.length > 0 || p.rule === 'duplicateQuestion'));
  const countProblem = problems.find((p) => p.rule === 'count');

  async function save(e: FormEvent) {
    e.preventDefault();
    setSubmitted(true);
    if (problems.length) return;
    setBusy(true);
    setError(null);
    const result = await call(bridge, 'me:register', { type: 'securityQuestions', answers: chosen });
    setBusy(false);
    if (!result.ok) return setError(result.error);
    onDone();
  }

  return (
    <form onSubmit={(e) => void save(e)} noValidate>
      <p className="lead">{t.register.questionsLead(required)}</p>
      {message ? <Alert>{message}</Alert> : null}
      {submitted && countProblem ? <Alert>{countProblem.message}</Alert> : null}
      {rows.map((row, i) => {
        const problem = problemFor(row);
        const selectId = `question-${i}`;
        return (
          <fieldset className="question-row" key={i} data-row={i}>
            <legend>{t.register.question(i + 1)}</legend>
            <label className="visually-hidden" htmlFor={selectId}>
              {t.register.question(i + 1)}
            </label>
            <select
              id={selectId}
              className="select"
              value={row.questionId}
              autoFocus={i === 0}
              onChange={(e) => setRows(rows.map((r, j) => (j === i ? { ...r, questionId: e.target.value } : r)))}
            >
              <option value="">{t.register.chooseQuestion}</option>
              {questions.map((q) => (
                <option key={q.id} value={q.id} disabled={rows.some((r, j) => j !== i && r.questionId === q.id)}>
                  {q.text}
                </option>
              ))}
            </select>
            <Field
              label={t.reset.answer}
              autoComplete="off"
              spellCheck={false}
              value={row.answer}
              error={problem?.message}
              onChange={(e) => setRows(rows.map((r, j) => (j === i ? { ...r, answer: e.target.value } : r)))}
            />
          </fieldset>
        );
      })}
      <div className="actions">
        <SubmitButton busy={busy}>{t.register.save}</SubmitButton>
      </div>
    </form>
  );
}

/** Push approval: main creates and keeps this device's key; the person names the device. */
function RegisterPush({ onDone }: { onDone(): void }) {
  const t = useT();
  const { bridge } = useStores();
  const info = useApp((s) => s.info);
  const [name, setName] = useState(info?.platform ? `${info.name} (${info.platform})` : '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);
  const message = useErrorText(error);

  async function register(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const result = await call(bridge, 'me:register', { type: 'authenticatorPush', deviceName: name.trim() });
    setBusy(false);
    if (!result.ok) return setError(result.error);
    onDone();
  }

  return (
    <form onSubmit={(e) => void register(e)} noValidate>
      <p className="lead">{t.register.pushLead}</p>
      <Field label={t.register.deviceName} error={message ?? undefined} autoFocus maxLength={64} value={name} onChange={(e) => setName(e.target.value)} />
      <div className="actions">
        <SubmitButton busy={busy} disabled={!name.trim()}>{t.register.pushRegister}</SubmitButton>
      </div>
    </form>
  );
}
