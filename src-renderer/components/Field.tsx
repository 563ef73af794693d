import { useId, useState, type InputHTMLAttributes, type ReactNode, type Ref } from 'react';
import { useT } from '../stores/context.js';

interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> {
  label: ReactNode;
  help?: ReactNode;
  error?: ReactNode;
  inputRef?: Ref<HTMLInputElement>;
  /** Extra ids the input is described by (a checklist, a meter). */
  describedBy?: string;
}

/** A labelled input with its help and error text wired through aria-describedby. */
export function Field({ label, help, error, inputRef, describedBy, className, ...input }: FieldProps) {
  const id = useId();
  const helpId = help ? `${id}-help` : undefined;
  const errorId = error ? `${id}-error` : undefined;
  const described = [errorId, helpId, describedBy].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}${className ? ` ${className}` : ''}`}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {help ? (
        <p id={helpId} className="field-help">
          {help}
        </p>
      ) : null}
      <input id={id} ref={inputRef} className="input" aria-invalid={error ? true : undefined} aria-describedby={described} {...input} />
      {error ? (
        <p id={errorId} className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A password input with a show/hide toggle (instead of asking twice where that is enough). */
export function PasswordField(props: Omit<FieldProps, 'type'>) {
  const t = useT();
  const [shown, setShown] = useState(false);
  return (
    <div className="password-field">
      <Field {...props} type={shown ? 'text' : 'password'} spellCheck={false} autoCapitalize="off" autoCorrect="off" />
      <button
        type="button"
        className="button button-quiet password-toggle"
        aria-pressed={shown}
        aria-label={shown ? t.app.hidePasswordLabel : t.app.showPasswordLabel}
        onClick={() => setShown(!shown)}
      >
        {shown ? t.app.hidePassword : t.app.showPassword}
      </button>
    </div>
  );
}
