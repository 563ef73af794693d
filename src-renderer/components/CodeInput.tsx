import { useEffect, useRef, useState } from 'react';
import { digitsOf } from './code-digits.js';
import { Field } from './Field.js';


interface CodeInputProps {
  label: string;
  help?: string;
  error?: string | null;
  disabled?: boolean;
  length?: number;
  /** Called once the last digit is typed or pasted: no extra key press needed. */
  onComplete(code: string): void;
  /** Changing this clears the field (a new challenge, a wrong code). */
  resetKey?: unknown;
}

/**
 * A one-time-code field: one input (not six boxes, which screen readers and paste handle
 * badly), numeric keypad, OS one-time-code autofill, auto-submit on the last digit.
 */
export function CodeInput({ label, help, error, disabled, length = 6, onComplete, resetKey }: CodeInputProps) {
  const [value, setValue] = useState('');
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => {
    setValue('');
    ref.current?.focus();
  }, [resetKey]);
  useEffect(() => {
    if (!disabled) ref.current?.focus();
  }, [disabled]);
  return (
    <Field
      label={label}
      help={help}
      error={error ?? undefined}
      inputRef={ref}
      className="code-field"
      value={value}
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern={`\\d{${length}}`}
      maxLength={length + 8}
      readOnly={disabled}
      aria-busy={disabled || undefined}
      onChange={(e) => {
        const digits = digitsOf(e.target.value, length);
        setValue(digits);
        if (digits.length === length && !disabled) onComplete(digits);
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && value.length === length && !disabled) onComplete(value);
      }}
    />
  );
}
