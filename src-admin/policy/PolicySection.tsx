import { useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { METHOD_TYPES, type MethodType } from '../../shared/api/common.js';
import { PolicyDocument } from '../../shared/api/policy.js';
import { ApiFailure, type AdminApi } from '../api.js';

const METHOD_LABELS: Record<MethodType, string> = {
  email: 'Email (an address other than the account’s own)',
  mobilePhone: 'Mobile phone (SMS or voice call)',
  officePhone: 'Office phone (voice call)',
  authenticatorCode: 'Authenticator code (TOTP)',
  authenticatorPush: 'Authenticator notification (push with number matching)',
  securityQuestions: 'Security questions',
};

/** A method turned off leaves the gate lists too, so they never name a method the policy lacks. */
function setMethod(p: PolicyDocument, m: MethodType, on: boolean): void {
  p.sspr.methods = on ? METHOD_TYPES.filter((t) => t === m || p.sspr.methods.includes(t)) : p.sspr.methods.filter((t) => t !== m);
  if (!on) for (const gate of ['firstGate', 'secondGate'] as const) if (p.sspr[gate]) p.sspr[gate] = p.sspr[gate].filter((t) => t !== m);
}

/** Short names inside the gate groups, whose legend says which gate. */
const GATE_LABELS: Record<MethodType, string> = {
  email: 'Email',
  mobilePhone: 'Mobile phone',
  officePhone: 'Office phone',
  authenticatorCode: 'Authenticator code',
  authenticatorPush: 'Authenticator push',
  securityQuestions: 'Questions',
};

const idOf = (path: string) => `policy-${path.replace(/\./g, '-')}`;
const numberOf = (text: string) => (text.trim() === '' ? Number.NaN : Number(text));
const listOf = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);
const linesOf = (text: string) => text.split('\n').map((s) => s.trim()).filter(Boolean);

/** The text boxes that hold lists, kept as typed until they parse. */
interface ListTexts {
  groups: string;
  warningDays: string;
  custom: string;
  banned: string;
}

function textsOf(p: PolicyDocument): ListTexts {
  return { groups: p.sspr.scope.groups.join(', '), warningDays: p.password.expiryWarningDays.join(', '), custom: p.sspr.securityQuestions.custom.join('\n'), banned: p.password.bannedTerms.join('\n') };
}

/** The document the form stands for: the loaded one (unknown fields kept) with the form's values. */
function compose(draft: PolicyDocument, texts: ListTexts): unknown {
  return {
    ...draft,
    sspr: {
      ...draft.sspr,
      scope: { ...draft.sspr.scope, groups: listOf(texts.groups) },
      securityQuestions: { ...draft.sspr.securityQuestions, custom: linesOf(texts.custom) },
    },
    password: { ...draft.password, expiryWarningDays: listOf(texts.warningDays).map(Number), bannedTerms: linesOf(texts.banned) },
  };
}

function Field(props: { path: string; label: string; error?: string; help?: string; children: (a: { id: string; invalid: boolean; describedBy?: string }) => ReactNode }) {
  const id = idOf(props.path);
  const describedBy = [props.error ? `${id}-error` : '', props.help ? `${id}-help` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${props.error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children({ id, invalid: !!props.error, describedBy })}
      {props.help && (
        <p id={`${id}-help`} className="help">
          {props.help}
        </p>
      )}
      {props.error && (
        <p id={`${id}-error`} className="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}

/** R1–R10, R16, R20, R22, R25: the one policy document, edited as a form and checked with the shared schema. */
export function PolicySection({ api, onLoaded }: { api: AdminApi; onLoaded: (p: PolicyDocument) => void }) {
  const [draft, setDraft] = useState<PolicyDocument | null>(null);
  const [texts, setTexts] = useState<ListTexts>({ groups: '', warningDays: '', custom: '', banned: '' });
  const [showErrors, setShowErrors] = useState(false);
  const [status, setStatus] = useState('');
  const [serverError, setServerError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  function load(p: PolicyDocument) {
    setDraft(p);
    setTexts(textsOf(p));
    onLoaded(p);
  }
  useEffect(() => {
    api.call('getAdminPolicy').then(load, (e: Error) => setServerError(e.message));
  }, [api]);

  const candidate = useMemo(() => (draft ? compose(draft, texts) : null), [draft, texts]);
  const errors = useMemo(() => {
    const out: Record<string, string> = {};
    if (!candidate) return out;
    const r = PolicyDocument.safeParse(candidate);
    if (!r.success) for (const i of r.error.issues) out[i.path.join('.')] ??= i.message;
    return out;
  }, [candidate]);
  if (!draft) {
    return (
      <section id="policy" aria-labelledby="policy-title">
        <h2 id="policy-title">Policy</h2>
        {serverError ? <p className="error">{serverError}</p> : <p>Loading…</p>}
      </section>
    );
  }

  const err = (path: string) => (showErrors ? errors[path] : undefined);
  const change = (f: (p: PolicyDocument) => void) => {
    const next = structuredClone(draft);
    f(next);
    setDraft(next);
    setShowErrors(true);
    setStatus('');
  };
  const num = (path: string, label: string, get: (p: PolicyDocument) => number, set: (p: PolicyDocument, v: number) => void, help?: string) => (
    <Field path={path} label={label} error={err(path)} help={help}>
      {({ id, invalid, describedBy }) => (
        <input
          id={id}
          type="number"
          inputMode="numeric"
          value={Number.isNaN(get(draft)) ? '' : String(get(draft))}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          onChange={(e) => change((p) => set(p, numberOf(e.target.value)))}
        />
      )}
    </Field>
  );
  const check = (path: string, label: string, get: (p: PolicyDocument) => boolean, set: (p: PolicyDocument, v: boolean) => void) => (
    <div className="check">
      <input id={idOf(path)} type="checkbox" checked={get(draft)} onChange={(e) => change((p) => set(p, e.target.checked))} />
      <label htmlFor={idOf(path)}>{label}</label>
    </div>
  );

  async function save(e: FormEvent) {
    e.preventDefault();
    setShowErrors(true);
    setServerError(null);
    const r = PolicyDocument.safeParse(candidate);
    if (!r.success) {
      setStatus('');
      const first = r.error.issues[0]!.path.join('.');
      document.getElementById(idOf(first))?.focus();
      setServerError(`Fix ${Object.keys(errors).length} field(s) before saving.`);
      return;
    }
    setSaving(true);
    try {
      load(await api.call('putAdminPolicy', { body: r.data }));
      setShowErrors(false);
      setStatus('Policy saved.');
    } catch (e2) {
      setServerError(e2 instanceof ApiFailure ? [e2.message, ...e2.issues.map((i) => `${i.path}: ${i.message}`)].join(' ') : (e2 as Error).message);
    } finally {
      setSaving(false);
    }
  }

  return (
    <section id="policy" aria-labelledby="policy-title">
      <h2 id="policy-title">Policy</h2>
      <form className="policy" onSubmit={save} noValidate>
        <fieldset>
          <legend>Who can reset</legend>
          <Field path="sspr.scope.mode" label="Self-service password reset enabled for" error={err('sspr.scope.mode')}>
            {({ id }) => (
              <select id={id} value={draft.sspr.scope.mode} onChange={(e) => change((p) => (p.sspr.scope.mode = e.target.value as PolicyDocument['sspr']['scope']['mode']))}>
                <option value="none">nobody</option>
                <option value="selected">selected groups</option>
                <option value="all">everyone</option>
              </select>
            )}
          </Field>
          <Field path="sspr.scope.groups" label="Groups (comma separated)" error={err('sspr.scope.groups')}>
            {({ id, invalid, describedBy }) => (
              <input id={id} value={texts.groups} aria-invalid={invalid || undefined} aria-describedby={describedBy} onChange={(e) => (setTexts({ ...texts, groups: e.target.value }), setShowErrors(true))} />
            )}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Methods</legend>
          <Field path="sspr.methodsRequired" label="Methods required to reset" error={err('sspr.methodsRequired')}>
            {({ id }) => (
              <select id={id} value={draft.sspr.methodsRequired} onChange={(e) => change((p) => (p.sspr.methodsRequired = Number(e.target.value) as 1 | 2))}>
                <option value={1}>1</option>
                <option value={2}>2</option>
              </select>
            )}
          </Field>
          <div className={`field${err('sspr.methods') ? ' invalid' : ''}`} role="group" aria-labelledby="methods-legend" aria-describedby={err('sspr.methods') ? `${idOf('sspr.methods')}-error` : undefined}>
            <span id="methods-legend" className="group-label">
              Methods users may use
            </span>
            {METHOD_TYPES.map((m, i) => (
              <div className="check" key={m}>
                <input
                  id={i === 0 ? idOf('sspr.methods') : `${idOf('sspr.methods')}-${m}`}
                  type="checkbox"
                  checked={draft.sspr.methods.includes(m)}
                  onChange={(e) => change((p) => setMethod(p, m, e.target.checked))}
                />
                <label htmlFor={i === 0 ? idOf('sspr.methods') : `${idOf('sspr.methods')}-${m}`}>{METHOD_LABELS[m]}</label>
              </div>
            ))}
            {err('sspr.methods') && (
              <p id={`${idOf('sspr.methods')}-error`} className="field-error">
                {err('sspr.methods')}
              </p>
            )}
          </div>
          {(['firstGate', 'secondGate'] as const).map((gate) => (
            <div key={gate} className={`field${err(`sspr.${gate}`) ? ' invalid' : ''}`} role="group" aria-labelledby={`${idOf(`sspr.${gate}`)}-legend`}>
              <span id={`${idOf(`sspr.${gate}`)}-legend`} className="group-label">
                {gate === 'firstGate' ? 'Methods that may open the first gate (none ticked: any)' : 'Methods that may open the second gate (none ticked: any)'}
              </span>
              {draft.sspr.methods.map((m) => (
                <div className="check" key={m}>
                  <input
                    id={`${idOf(`sspr.${gate}`)}-${m}`}
                    type="checkbox"
                    checked={draft.sspr[gate]?.includes(m) ?? false}
                    onChange={(e) => change((p) => (p.sspr[gate] = draft.sspr.methods.filter((t) => (t === m ? e.target.checked : (p.sspr[gate] ?? []).includes(t)))))}
                  />
                  <label htmlFor={`${idOf(`sspr.${gate}`)}-${m}`}>{GATE_LABELS[m]}</label>
                </div>
              ))}
              {err(`sspr.${gate}`) && (
                <p id={`${idOf(`sspr.${gate}`)}-error`} className="field-error">
                  {err(`sspr.${gate}`)}
                </p>
              )}
            </div>
          ))}
          {num('sspr.securityQuestions.requiredToRegister', 'Security questions needed to register (3–5)', (p) => p.sspr.securityQuestions.requiredToRegister, (p, v) => (p.sspr.securityQuestions.requiredToRegister = v))}
          {num('sspr.securityQuestions.requiredToReset', 'Security questions needed to reset (3–5)', (p) => p.sspr.securityQuestions.requiredToReset, (p, v) => (p.sspr.securityQuestions.requiredToReset = v))}
          <Field path="sspr.securityQuestions.custom" label="Custom security questions (one per line, up to 20)" error={err('sspr.securityQuestions.custom')}>
            {({ id, invalid, describedBy }) => (
              <textarea id={id} rows={3} value={texts.custom} aria-invalid={invalid || undefined} aria-describedby={describedBy} onChange={(e) => (setTexts({ ...texts, custom: e.target.value }), setShowErrors(true))} />
            )}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Registration and notifications</legend>
          {check('sspr.requireRegistrationAtSignIn', 'Ask users to register when they sign in', (p) => p.sspr.requireRegistrationAtSignIn, (p, v) => (p.sspr.requireRegistrationAtSignIn = v))}
          {num('sspr.reconfirmAfterDays', 'Days before users must reconfirm their methods (0 = never, up to 730)', (p) => p.sspr.reconfirmAfterDays, (p, v) => (p.sspr.reconfirmAfterDays = v))}
          {check('sspr.notifyUserOnReset', 'Email users when their password is reset', (p) => p.sspr.notifyUserOnReset, (p, v) => (p.sspr.notifyUserOnReset = v))}
          {check('sspr.notifyAdminsOnAdminReset', 'Tell all administrators when an administrator resets their password', (p) => p.sspr.notifyAdminsOnAdminReset, (p, v) => (p.sspr.notifyAdminsOnAdminReset = v))}
          {check('adminDigest.enabled', 'Email administrators a daily report (resets, lockouts, failures, coverage)', (p) => p.adminDigest?.enabled ?? false, (p, v) => (p.adminDigest = { hourUtc: p.adminDigest?.hourUtc ?? 7, enabled: v }))}
          {check('sspr.accessPassGate', 'Let a Temporary Access Pass count as one verification step of a reset (never both)', (p) => p.sspr.accessPassGate, (p, v) => (p.sspr.accessPassGate = v))}
          {check('sspr.unlockOnly', 'Let a verified user whose account is locked unlock it without a new password', (p) => p.sspr.unlockOnly ?? false, (p, v) => (p.sspr.unlockOnly = v))}
          {check('expiryReminders.enabled', 'Email users before their password expires, at the warning days below', (p) => p.expiryReminders?.enabled ?? false, (p, v) => (p.expiryReminders = { enabled: v }))}
          {draft.adminDigest?.enabled &&
            num('adminDigest.hourUtc', 'Send the daily report at this hour (UTC, 0–23)', (p) => p.adminDigest?.hourUtc ?? 7, (p, v) => (p.adminDigest = { enabled: true, hourUtc: v }))}
        </fieldset>
        <fieldset>
          <legend>Passwords</legend>
          {num('password.minLength', 'Minimum length', (p) => p.password.minLength, (p, v) => (p.password.minLength = v))}
          {num('password.minCharacterClasses', 'Character classes required (1–4)', (p) => p.password.minCharacterClasses, (p, v) => (p.password.minCharacterClasses = v))}
          {num('password.maxAgeDays', 'Maximum age in days (0 = never expires)', (p) => p.password.maxAgeDays, (p, v) => (p.password.maxAgeDays = v))}
          {num('password.historyCount', 'Passwords remembered', (p) => p.password.historyCount, (p, v) => (p.password.historyCount = v))}
          <Field path="password.expiryWarningDays" label="Warn this many days before expiry (comma separated)" error={err('password.expiryWarningDays') ?? err('password.expiryWarningDays.0')}>
            {({ id, invalid, describedBy }) => (
              <input id={id} value={texts.warningDays} aria-invalid={invalid || undefined} aria-describedby={describedBy} onChange={(e) => (setTexts({ ...texts, warningDays: e.target.value }), setShowErrors(true))} />
            )}
          </Field>
          <Field
            path="password.bannedTerms"
            label="Banned words (one per line, up to 1,000)"
            error={err('password.bannedTerms') ?? Object.entries(errors).find(([k]) => showErrors && k.startsWith('password.bannedTerms.'))?.[1]}
            help="Passwords containing one are refused, also written with look-alikes (C0nt0$o for Contoso). Each 4–64 characters."
          >
            {({ id, invalid, describedBy }) => (
              <textarea id={id} rows={4} value={texts.banned} aria-invalid={invalid || undefined} aria-describedby={describedBy} onChange={(e) => (setTexts({ ...texts, banned: e.target.value }), setShowErrors(true))} />
            )}
          </Field>
        </fieldset>
        <fieldset>
          <legend>Branding</legend>
          <Field path="branding.organizationName" label="Organisation name" error={err('branding.organizationName')}>
            {({ id, invalid, describedBy }) => (
              <input id={id} value={draft.branding.organizationName} aria-invalid={invalid || undefined} aria-describedby={describedBy} onChange={(e) => change((p) => (p.branding.organizationName = e.target.value))} />
            )}
          </Field>
          <Field path="branding.logoUrl" label="Logo URL" error={err('branding.logoUrl')}>
            {({ id, invalid, describedBy }) => (
              <input id={id} type="url" value={draft.branding.logoUrl ?? ''} aria-invalid={invalid || undefined} aria-describedby={describedBy} onChange={(e) => change((p) => (p.branding.logoUrl = e.target.value.trim() || null))} />
            )}
          </Field>
          <Field path="branding.contactAdmin" label="Contact your administrator (email or URL)" error={err('branding.contactAdmin')}>
            {({ id, invalid, describedBy }) => (
              <input id={id} value={draft.branding.contactAdmin ?? ''} aria-invalid={invalid || undefined} aria-describedby={describedBy} onChange={(e) => change((p) => (p.branding.contactAdmin = e.target.value.trim() || null))} />
            )}
          </Field>
        </fieldset>
        {serverError && (
          <p className="error" role="alert">
            {serverError}
          </p>
        )}
        <p className="status" role="status" aria-live="polite">
          {status}
        </p>
        <div className="buttons">
          <button type="submit" disabled={saving}>
            Save policy
          </button>
          <button type="button" className="secondary" onClick={() => api.call('getAdminPolicy').then((p) => (load(p), setShowErrors(false), setServerError(null), setStatus('Changes discarded.')))}>
            Discard changes
          </button>
        </div>
      </form>
    </section>
  );
}
