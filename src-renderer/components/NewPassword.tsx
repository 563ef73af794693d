import { useEffect, useId, useState } from 'react';
import type { Violation } from '../../shared/api/errors.js';
import { PASSWORD_MESSAGES } from '../../shared/i18n/messages.js';
import { checkPassword } from '../../shared/rules/password.js';
import type { PasswordCheckResult } from '../../shared/ipc/contract.js';
import { call } from '../stores/call.js';
import { useApp, useStores, useT } from '../stores/context.js';
import { Field } from './Field.js';

export interface NewPasswordValue {
  password: string;
  confirm: string;
}

interface NewPasswordProps {
  purpose: 'reset' | 'change';
  /** The account's names: a password may not contain them (checked live, R18b). */
  owner: { username: string; displayName?: string | null };
  value: NewPasswordValue;
  onChange(value: NewPasswordValue): void;
  /** Show the mismatch error (after a submit attempt). */
  showErrors: boolean;
  /** The server's refusal (history, directory, common), shown under the checklist. */
  serverViolations?: Violation[] | null;
  autoFocus?: boolean;
}

/** The policy rules always listed (met or not); others appear only when broken. */
const LISTED_RULES = ['minLength', 'characterClasses', 'nameParts'] as const;

/** The live password checklist from shared rules (instant) plus main's strength verdict. */
export function passwordProblems(password: string, confirm: string, violations: Violation[]): { ok: boolean; mismatch: boolean } {
  const mismatch = password !== confirm;
  return { ok: password.length > 0 && violations.length === 0 && !mismatch, mismatch };
}

export function useLocalViolations(password: string, owner: NewPasswordProps['owner']): Violation[] {
  const policy = useApp((s) => s.policy);
  const locale = useApp((s) => s.locale);
  return policy ? checkPassword(password, policy.password, owner, { locale }) : [];
}

export function NewPassword({ purpose, owner, value, onChange, showErrors, serverViolations, autoFocus }: NewPasswordProps) {
  const t = useT();
  const { bridge } = useStores();
  const policy = useApp((s) => s.policy);
  const locale = useApp((s) => s.locale);
  const checklistId = useId();
  const meterId = useId();
  const local = useLocalViolations(value.password, owner);
  const [remote, setRemote] = useState<PasswordCheckResult | null>(null);
  // One "show" switch after both fields: Tab goes straight from the new password to the repeat.
  const [shown, setShown] = useState(false);
  const showId = useId();
  const hidden = { type: shown ? 'text' : 'password', spellCheck: false, autoCapitalize: 'off', autoCorrect: 'off' } as const;

  // Strength and the common-password list live in main; ask after a short pause in typing.
  useEffect(() => {
    if (!value.password) {
      setRemote(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      void call(bridge, 'password:check', { password: value.password, purpose }).then((r) => {
        if (current && r.ok) setRemote(r.value);
      });
    }, 120);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [bridge, value.password, purpose]);

  const m = PASSWORD_MESSAGES[locale];
  const min = policy?.password.minLength ?? 8;
  const classes = policy?.password.minCharacterClasses ?? 3;
  const listed: Array<{ rule: string; text: string }> = [
    { rule: 'minLength', text: m.minLength(min) },
    { rule: 'characterClasses', text: m.characterClasses(classes) },
    { rule: 'nameParts', text: m.nameParts },
  ];
  const fresh = remote && value.password ? remote.violations : [];
  const extra = [...local, ...fresh, ...(serverViolations ?? [])].filter(
    (v, i, all) => !(LISTED_RULES as readonly string[]).includes(v.rule) && all.findIndex((w) => w.rule === v.rule) === i,
  );
  const broken = new Set(local.map((v) => v.rule));
  const typed = value.password.length > 0;
  const mismatch = showErrors && value.confirm !== value.password;
  const strength = remote && value.password ? remote.strength : null;

  return (
    <div className="new-password">
      <Field
        {...hidden}
        label={t.reset.newPassword}
        autoComplete="new-password"
        value={value.password}
        autoFocus={autoFocus}
        describedBy={`${checklistId} ${meterId}`}
        onChange={(e) => onChange({ ...value, password: e.target.value })}
      />
      <div className="checklist" id={checklistId}>
        <p className="checklist-title">{t.password.checklistTitle}</p>
        <ul>
          {listed.map(({ rule, text }) => {
            const met = typed && !broken.has(rule);
            // "Must reach" rules stay neutral while typing; a "must not" rule broken is an error.
            const violated = typed && rule === 'nameParts' && broken.has(rule);
            return (
              <li key={rule} className={met ? 'rule rule-met' : violated ? 'rule rule-broken' : 'rule'} data-rule={rule} data-met={met}>
                <span className="rule-mark" aria-hidden="true">{met ? '✓' : violated ? '✕' : '•'}</span>
                {text}
                <span className="visually-hidden"> ({met ? t.password.met : t.password.notMet})</span>
              </li>
            );
          })}
          {extra.map((v) => (
            <li key={v.rule} className="rule rule-broken" data-rule={v.rule} data-met="false">
              <span className="rule-mark" aria-hidden="true">✕</span>
              {v.message}
            </li>
          ))}
        </ul>
      </div>
      <div className="meter" id={meterId}>
        <span className="meter-label">{t.password.strength}:</span>
        <span className={`meter-bar meter-${strength ?? 'none'}`} aria-hidden="true">
          <span className="meter-fill" />
        </span>
        <span className="meter-text" aria-live="polite">
          {strength === null ? '—' : t.password.strengthLevels[strength]}
        </span>
      </div>
      <Field
        {...hidden}
        label={t.reset.confirmPassword}
        autoComplete="new-password"
        value={value.confirm}
        error={mismatch ? t.reset.mismatch : undefined}
        onChange={(e) => onChange({ ...value, confirm: e.target.value })}
      />
      <div className="checkbox">
        <input id={showId} type="checkbox" checked={shown} onChange={(e) => setShown(e.target.checked)} />
        <label htmlFor={showId}>{t.password.showBoth}</label>
      </div>
    </div>
  );
}
