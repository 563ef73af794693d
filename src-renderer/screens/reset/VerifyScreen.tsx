import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { PhoneChannel } from '../../../shared/api/common.js';
import type { ResetMethod } from '../../../shared/api/reset.js';
import { Alert } from '../../components/Alert.js';
import { CodeInput } from '../../components/CodeInput.js';
import { errorText } from '../../components/error-text.js';
import { Field } from '../../components/Field.js';
import { Icon, type IconName } from '../../components/Icon.js';
import { ScreenHeading } from '../../components/ScreenHeading.js';
import { SubmitButton } from '../../components/SubmitButton.js';
import type { Catalogue } from '../../i18n/index.js';
import { useBranding, useReset, useStores, useT } from '../../stores/context.js';
import type { ActiveChallenge } from '../../stores/reset-store.js';

/** One way to prove identity, as the person sees it (a mobile phone offers text and call). */
interface Option {
  key: string;
  method: ResetMethod;
  channel?: PhoneChannel;
  label: string;
  icon: IconName;
}

function optionsFor(methods: ResetMethod[], t: Catalogue): Option[] {
  return methods.flatMap((m): Option[] => {
    switch (m.type) {
      case 'email':
        return [{ key: m.id, method: m, label: t.reset.method.email(m.hint), icon: 'mail' }];
      case 'mobilePhone':
        return [
          { key: `${m.id}:sms`, method: m, channel: 'sms', label: t.reset.method.mobilePhoneSms(m.hint), icon: 'sms' },
          { key: `${m.id}:voice`, method: m, channel: 'voice', label: t.reset.method.mobilePhoneVoice(m.hint), icon: 'call' },
        ];
      case 'officePhone':
        return [{ key: m.id, method: m, channel: 'voice', label: t.reset.method.officePhone(m.hint), icon: 'call' }];
      case 'authenticatorCode':
        return [{ key: m.id, method: m, label: t.reset.method.authenticatorCode, icon: 'app' }];
      case 'authenticatorPush':
        return [{ key: m.id, method: m, label: t.reset.method.authenticatorPush, icon: 'push' }];
      case 'securityQuestions':
        return [{ key: m.id, method: m, label: t.reset.method.securityQuestions, icon: 'question' }];
      case 'accessPass':
        return [{ key: m.id, method: m, label: t.reset.method.accessPass, icon: 'check' }];
    }
  });
}

/**
 * One screen per gate: the person chooses a method and proves it in place, so a two-method
 * reset is identify → gate 1 → gate 2 → password → done.
 */
export function VerifyScreen() {
  const t = useT();
  const { reset } = useStores();
  const { contact } = useBranding();
  const view = useReset((s) => s.view);
  const challenge = useReset((s) => s.challenge);
  const error = useReset((s) => s.error);
  const busy = useReset((s) => s.busy);
  const firstOption = useRef<HTMLButtonElement>(null);

  const gate = (view?.gatesPassed ?? 0) + 1;
  useEffect(() => {
    if (!challenge) firstOption.current?.focus();
  }, [challenge, gate]);
  if (!view) return null;

  const total = view.requiredMethods;
  const passed = view.methods.filter((m) => view.passedMethodIds.includes(m.id));
  const open = view.methods.filter((m) => !view.passedMethodIds.includes(m.id));
  const options = optionsFor(open, t);
  // Errors that belong to the open challenge are shown next to its input.
  const inlineError = error && !['invalid_code', 'challenge_expired', 'invalid_answers'].includes(error.code) ? error : null;

  return (
    <section className="screen" data-screen={`reset-verify-${gate}`} aria-labelledby="verify-title" aria-describedby="verify-step">
      <ScreenHeading id="verify-title" focus={false}>
        {t.reset.verifyTitle}
      </ScreenHeading>
      {total > 1 ? (
        <p className="step" id="verify-step">
          {t.reset.stepOf(Math.min(gate, total), total)}
        </p>
      ) : null}
      {passed.length ? (
        <ul className="passed-list">
          {passed.map((m) => (
            <li key={m.id}>
              <Icon name="check" className="icon-inline" />
              {t.methodNames[m.type]} {m.hint && m.type !== 'securityQuestions' && m.type !== 'authenticatorCode' ? `(${m.hint})` : ''} — {t.reset.methodDone}
            </li>
          ))}
        </ul>
      ) : null}
      {inlineError ? <Alert>{errorText(t, inlineError, contact)}</Alert> : null}

      {challenge ? (
        <ChallengePanel challenge={challenge} />
      ) : (
        <>
          <p className="lead" id="choose-label">
            {gate > 1 ? t.reset.chooseAnother : t.reset.chooseMethod}
          </p>
          <ul className="method-list" aria-labelledby="choose-label">
            {options.map((o, i) => (
              <li key={o.key}>
                <button
                  type="button"
                  ref={i === 0 ? firstOption : undefined}
                  className="method-option"
                  data-method={o.method.type}
                  data-channel={o.channel}
                  aria-disabled={busy || undefined}
                  onClick={() => void reset.getState().choose(o.method, o.channel)}
                >
                  <span className="method-icon">
                    <Icon name={o.icon} />
                  </span>
                  <span className="method-label">{o.label}</span>
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="actions actions-secondary">
        {challenge && options.length > 1 ? (
          <button type="button" className="button button-secondary" onClick={() => reset.getState().clearChallenge()}>
            {t.reset.otherMethod}
          </button>
        ) : null}
        <button type="button" className="button button-quiet" onClick={() => void reset.getState().cancel()}>
          {t.app.startOver}
        </button>
      </div>
    </section>
  );
}

function ChallengePanel({ challenge }: { challenge: ActiveChallenge }) {
  switch (challenge.type) {
    case 'authenticatorPush':
      return <PushPanel challenge={challenge} />;
    case 'securityQuestions':
      return <QuestionsPanel challenge={challenge} />;
    case 'accessPass':
      return <PassPanel />;
    default:
      return <CodePanel challenge={challenge} />;
  }
}

function CodePanel({ challenge }: { challenge: ActiveChallenge }) {
  const t = useT();
  const { reset } = useStores();
  const { contact } = useBranding();
  const error = useReset((s) => s.error);
  const busy = useReset((s) => s.busy);
  const view = useReset((s) => s.view);
  const delivered = challenge.type !== 'authenticatorCode';
  const voice = challenge.channel === 'voice' || challenge.type === 'officePhone';
  const sent =
    challenge.type === 'authenticatorCode'
      ? t.reset.codeFromApp
      : challenge.type === 'email'
        ? t.reset.codeSentEmail(challenge.hint)
        : voice
          ? t.reset.codeSentVoice(challenge.hint)
          : t.reset.codeSentSms(challenge.hint);
  const codeError = error && ['invalid_code', 'challenge_expired'].includes(error.code) ? errorText(t, error, contact) : null;
  const method = view?.methods.find((m) => m.id === challenge.methodId);

  return (
    <div className="panel" data-challenge={challenge.type}>
      <p className="lead" role="status">
        {sent}
      </p>
      <CodeInput
        label={t.reset.code}
        help={t.reset.codeHelp}
        error={codeError}
        disabled={busy}
        resetKey={error ?? challenge.challengeId}
        onComplete={(code) => void reset.getState().verifyCode(code)}
      />
      {delivered && method ? (
        <div className="actions">
          <button type="button" className="button button-secondary" disabled={busy} onClick={() => void reset.getState().choose(method, challenge.channel)}>
            {t.reset.resend}
          </button>
        </div>
      ) : null}
      {delivered ? <p className="hint">{t.reset.noCodeHint(contact)}</p> : null}
    </div>
  );
}

function PushPanel({ challenge }: { challenge: ActiveChallenge }) {
  const t = useT();
  const { reset } = useStores();
  useEffect(() => {
    if (challenge.pushStatus !== 'waiting') return;
    const timer = setInterval(() => void reset.getState().pollPush(), 1500);
    return () => clearInterval(timer);
  }, [reset, challenge.pushStatus, challenge.challengeId]);
  return (
    <div className="panel" data-challenge="authenticatorPush">
      <h2 className="panel-title">{t.reset.pushTitle}</h2>
      <p className="lead" id="push-lead">
        {t.reset.pushLead}
      </p>
      <p className="number-match" aria-describedby="push-lead" data-testid="number-match">
        {challenge.numberMatch}
      </p>
      {challenge.pushStatus === 'denied' ? (
        <Alert>{t.reset.pushDenied}</Alert>
      ) : (
        <p className="waiting" role="status">
          <span className="spinner" aria-hidden="true" />
          {challenge.pushStatus === 'approved' ? t.reset.pushApproved : t.reset.pushWaiting}
        </p>
      )}
    </div>
  );
}

/** R39: the pass an administrator gave, typed as issued (letters and hyphens, not six digits). */
function PassPanel() {
  const t = useT();
  const { reset } = useStores();
  const { contact } = useBranding();
  const error = useReset((s) => s.error);
  const busy = useReset((s) => s.busy);
  const [pass, setPass] = useState('');

  function submit(e: FormEvent) {
    e.preventDefault();
    void reset.getState().verifyCode(pass.trim());
  }

  return (
    <form className="panel" data-challenge="accessPass" onSubmit={submit} noValidate>
      <p className="lead">{t.reset.passLead}</p>
      <Field
        label={t.stepUp.pass}
        help={t.stepUp.passHelp}
        error={error && ['invalid_code', 'challenge_expired'].includes(error.code) ? errorText(t, error, contact) : undefined}
        autoComplete="off"
        spellCheck={false}
        autoFocus
        value={pass}
        onChange={(e) => setPass(e.target.value)}
      />
      <div className="actions">
        <SubmitButton busy={busy} disabled={pass.trim() === ''}>{t.reset.verify}</SubmitButton>
      </div>
    </form>
  );
}

function QuestionsPanel({ challenge }: { challenge: ActiveChallenge }) {
  const t = useT();
  const { reset } = useStores();
  const { contact } = useBranding();
  const error = useReset((s) => s.error);
  const busy = useReset((s) => s.busy);
  const questions = challenge.questions ?? [];
  const [answers, setAnswers] = useState<Record<string, string>>({});
  const first = useRef<HTMLInputElement>(null);
  useEffect(() => {
    setAnswers({});
    first.current?.focus();
  }, [challenge.challengeId]);

  function submit(e: FormEvent) {
    e.preventDefault();
    void reset.getState().verifyAnswers(questions.map((q) => ({ questionId: q.id, answer: answers[q.id] ?? '' })));
  }

  return (
    <form className="panel" data-challenge="securityQuestions" onSubmit={submit} noValidate>
      <p className="lead">{t.reset.questionsLead}</p>
      {error?.code === 'invalid_answers' ? <Alert>{errorText(t, error, contact)}</Alert> : null}
      {questions.map((q, i) => (
        <Field
          key={q.id}
          inputRef={i === 0 ? first : undefined}
          label={q.text}
          autoComplete="off"
          spellCheck={false}
          value={answers[q.id] ?? ''}
          onChange={(e) => setAnswers({ ...answers, [q.id]: e.target.value })}
        />
      ))}
      <div className="actions">
        <SubmitButton busy={busy}>{t.reset.verify}</SubmitButton>
      </div>
    </form>
  );
}
