import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { Challenge, ResetMethod } from '../../shared/api/reset.js';
import { createApi, type AdminApi } from '../api.js';
import { browserLocale, choiceLabel, choicesFor, failureText, PROOF_OF_WORK_TEXT, type Choice } from './messages.js';
import { startAdminSession } from './proof-of-work.js';
import { SetupTokenForm } from './SetupTokenForm.js';

/** The sign-in session between the password and the admin token (R10: two methods, never questions). */
interface Session {
  api: AdminApi;
  methods: ResetMethod[];
  requiredMethods: number;
  gatesPassed: number;
  passedMethodIds: string[];
}

type Stage =
  | { kind: 'password' }
  | { kind: 'choose'; session: Session }
  | { kind: 'code'; session: Session; choice: Choice; challenge: Challenge }
  | { kind: 'push'; session: Session; choice: Choice; challenge: Challenge };

const PUSH_POLL_MS = 1500;

/** The console's way in: user name and password, then two methods, then an admin token (15 min). */
export function SignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [stage, setStage] = useState<Stage>({ kind: 'password' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [solving, setSolving] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  // Each new step moves focus to its heading, so a keyboard or screen reader user starts there.
  useEffect(() => {
    if (stage.kind !== 'password') heading.current?.focus();
  }, [stage.kind, stage.kind === 'password' ? 0 : stage.session.gatesPassed]);

  async function step(work: () => Promise<void>, onFailure?: (err: unknown) => void) {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (err) {
      setError(failureText(err));
      onFailure?.(err);
    } finally {
      setBusy(false);
    }
  }

  async function afterGate(session: Session, complete: boolean) {
    if (complete) {
      const issued = await session.api.call('issueAdminToken');
      onSignedIn(issued.adminToken);
    } else {
      setStage({ kind: 'choose', session });
    }
  }

  const restartOnEnd = (err: unknown) => {
    const code = (err as { code?: string }).code;
    if (code === 'session_expired' || code === 'locked_out') setStage({ kind: 'password' });
  };

  let body: ReactNode;
  if (stage.kind === 'password') {
    body = (
      <PasswordForm
        busy={busy}
        solving={solving}
        error={error}
        onSubmit={(username, password) =>
          step(async () => {
            const started = await startAdminSession({ username, password }, setSolving);
            const session: Session = { api: createApi(started.sessionToken), methods: started.methods, requiredMethods: started.requiredMethods, gatesPassed: 0, passedMethodIds: [] };
            setStage({ kind: 'choose', session });
          })
        }
      />
    );
  } else {
    const { session } = stage;
    const progress = `Step ${session.gatesPassed + 1} of ${Math.max(session.requiredMethods, session.gatesPassed + 1)}`;
    const title = stage.kind === 'choose' ? (session.gatesPassed === 0 ? 'Verify it is you' : 'Verify a second method') : stage.kind === 'push' ? 'Approve on your device' : 'Enter the code';
    body = (
      <>
        <h2 ref={heading} tabIndex={-1}>
          {title}
        </h2>
        <p className="help">{progress}. Administrators prove two different methods.</p>
        {stage.kind === 'choose' && (
          <MethodChoice
            choices={choicesFor(session.methods, session.passedMethodIds)}
            busy={busy}
            error={error}
            onChoose={(choice) =>
              step(async () => {
                const challenge = await session.api.call('createChallenge', { body: { methodId: choice.method.id, ...(choice.channel ? { channel: choice.channel } : {}), locale: 'en' } });
                setStage({ kind: challenge.type === 'authenticatorPush' ? 'push' : 'code', session, choice, challenge });
              }, restartOnEnd)
            }
          />
        )}
        {stage.kind === 'code' && (
          <CodeForm
            choice={stage.choice}
            busy={busy}
            error={error}
            onBack={() => {
              setError(null);
              setStage({ kind: 'choose', session });
            }}
            onSubmit={(code) =>
              step(async () => {
                const verified = await session.api.call('verifyChallenge', { params: { challengeId: stage.challenge.challengeId }, body: { code } });
                const next = { ...session, gatesPassed: verified.gatesPassed, requiredMethods: verified.requiredMethods, passedMethodIds: verified.session.passedMethodIds, methods: verified.session.methods };
                await afterGate(next, verified.complete);
              }, (err) => {
                restartOnEnd(err);
                if ((err as { code?: string }).code === 'challenge_expired') setStage({ kind: 'choose', session });
              })
            }
          />
        )}
        {stage.kind === 'push' && (
          <PushWait
            session={session}
            challenge={stage.challenge}
            error={error}
            onPassed={(next, complete) => step(() => afterGate(next, complete), restartOnEnd)}
            onFailed={(message) => {
              setError(message);
              setStage({ kind: 'choose', session });
            }}
            onBack={() => {
              setError(null);
              setStage({ kind: 'choose', session });
            }}
          />
        )}
        {stage.kind !== 'push' && stage.kind !== 'code' && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setError(null);
              setStage({ kind: 'password' });
            }}
          >
            Start again
          </button>
        )}
      </>
    );
  }
  return (
    <main className="signin">
      <h1>SSPR administration</h1>
      {body}
      {stage.kind === 'password' && <SetupTokenForm onSignedIn={onSignedIn} />}
    </main>
  );
}

function ErrorLine({ id, error }: { id: string; error: string | null }) {
  return error ? (
    <p id={id} className="error" role="alert">
      {error}
    </p>
  ) : null;
}

/**
 * While the browser solves the server's proof-of-work (R41): an indeterminate progress bar and
 * a line of text in a live region that is always there (empty when idle), so screen readers
 * announce it when it appears. Nothing to click or solve by hand.
 */
function ProofOfWorkStatus({ solving }: { solving: boolean }) {
  const locale = browserLocale();
  const words = PROOF_OF_WORK_TEXT[locale];
  return (
    <div role="status" className="proof-of-work" lang={locale}>
      {solving ? (
        <>
          <progress aria-label={words.label} />
          <p>{words.text}</p>
        </>
      ) : null}
    </div>
  );
}

function PasswordForm({ busy, solving, error, onSubmit }: { busy: boolean; solving: boolean; error: string | null; onSubmit: (username: string, password: string) => void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  return (
    <form
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onSubmit(username.trim(), password);
      }}
      aria-describedby={error ? 'signin-error' : undefined}
    >
      <label htmlFor="username">User name</label>
      <input id="username" autoComplete="username" spellCheck={false} value={username} onChange={(e) => setUsername(e.target.value)} aria-invalid={error ? true : undefined} required />
      <label htmlFor="password">Password</label>
      <input id="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} aria-invalid={error ? true : undefined} required />
      <ProofOfWorkStatus solving={solving} />
      <ErrorLine id="signin-error" error={error} />
      <button type="submit" disabled={busy || !username.trim() || !password}>
        Sign in
      </button>
    </form>
  );
}

function MethodChoice({ choices, busy, error, onChoose }: { choices: Choice[]; busy: boolean; error: string | null; onChoose: (choice: Choice) => void }) {
  const [picked, setPicked] = useState(choices[0]?.key ?? '');
  const choice = choices.find((c) => c.key === picked);
  return (
    <form
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        if (choice) onChoose(choice);
      }}
    >
      <fieldset aria-describedby={error ? 'method-error' : undefined}>
        <legend>Choose a method</legend>
        {choices.map((c) => (
          <label key={c.key} className="choice">
            <input type="radio" name="method" value={c.key} checked={picked === c.key} onChange={() => setPicked(c.key)} />
            {choiceLabel(c)}
          </label>
        ))}
      </fieldset>
      <ErrorLine id="method-error" error={error} />
      <button type="submit" disabled={busy || !choice}>
        Continue
      </button>
    </form>
  );
}

function CodeForm({ choice, busy, error, onSubmit, onBack }: { choice: Choice; busy: boolean; error: string | null; onSubmit: (code: string) => void; onBack: () => void }) {
  const [code, setCode] = useState('');
  const where = choice.method.type === 'authenticatorCode' ? 'The 6-digit code your authenticator app shows now.' : `The code sent by ${choiceLabel(choice).replace(/^\w/, (c) => c.toLowerCase())}.`;
  return (
    <form
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onSubmit(code.trim());
      }}
    >
      <label htmlFor="code">Code</label>
      <input
        id="code"
        inputMode="numeric"
        autoComplete="one-time-code"
        spellCheck={false}
        maxLength={16}
        value={code}
        onChange={(e) => setCode(e.target.value)}
        aria-describedby={error ? 'code-help code-error' : 'code-help'}
        aria-invalid={error ? true : undefined}
        required
      />
      <p id="code-help" className="help">
        {where}
      </p>
      <ErrorLine id="code-error" error={error} />
      <div className="buttons">
        <button type="submit" disabled={busy || !code.trim()}>
          Verify
        </button>
        <button type="button" className="secondary" onClick={onBack}>
          Use another method
        </button>
      </div>
    </form>
  );
}

/** Waits for the push to be approved on the companion (number matching), polling the session. */
function PushWait({
  session,
  challenge,
  error,
  onPassed,
  onFailed,
  onBack,
}: {
  session: Session;
  challenge: Challenge;
  error: string | null;
  onPassed: (next: Session, complete: boolean) => void;
  onFailed: (message: string) => void;
  onBack: () => void;
}) {
  const callbacks = useRef({ onPassed, onFailed });
  callbacks.current = { onPassed, onFailed };
  useEffect(() => {
    let stopped = false;
    const timer = setInterval(() => {
      session.api.call('getResetSession').then(
        (view) => {
          if (stopped) return;
          if (view.gatesPassed > session.gatesPassed) {
            stopped = true;
            const next = { ...session, gatesPassed: view.gatesPassed, requiredMethods: view.requiredMethods, passedMethodIds: view.passedMethodIds, methods: view.methods };
            callbacks.current.onPassed(next, view.gatesPassed >= view.requiredMethods);
          } else if (view.pendingChallenge?.challengeId === challenge.challengeId && view.pendingChallenge.status === 'denied') {
            stopped = true;
            callbacks.current.onFailed('The notification was denied, or the wrong number was picked. Choose a method to try again.');
          } else if (view.state === 'locked' || view.state === 'expired') {
            stopped = true;
            callbacks.current.onFailed(view.state === 'locked' ? 'Too many attempts: sign-in is locked for this account. Try again later.' : 'This sign-in took too long and has ended. Start again.');
          }
        },
        (err: unknown) => {
          if (stopped) return;
          stopped = true;
          callbacks.current.onFailed(failureText(err));
        },
      );
    }, PUSH_POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [session, challenge.challengeId]);
  return (
    <>
      <p>Open the companion app on your device, approve the sign-in and pick this number:</p>
      <p>
        Number to pick: <strong className="number-match">{challenge.numberMatch}</strong>
      </p>
      <p role="status">Waiting for your approval…</p>
      <ErrorLine id="push-error" error={error} />
      <button type="button" className="secondary" onClick={onBack}>
        Use another method
      </button>
    </>
  );
}
