import { useCallback, useEffect, useState } from 'react';
import type { Diagnosis, DiagnosisVerdict, IpcError } from '../../shared/ipc/contract.js';
import { Alert } from '../components/Alert.js';
import { errorText } from '../components/error-text.js';
import { Icon, type IconName } from '../components/Icon.js';
import { ScreenHeading } from '../components/ScreenHeading.js';
import type { Screen } from '../stores/app-store.js';
import { call } from '../stores/call.js';
import { useApp, useBranding, useStores, useT } from '../stores/context.js';

const VERDICT_ICON: Record<DiagnosisVerdict, IconName> = { ok: 'check', warn: 'warning', fail: 'warning', skipped: 'pause' };

/**
 * "Why can't I reset here?": main checks this computer's way to the password service; each
 * check says what it found and what to do. The helpdesk report is plain text main built.
 */
export function DiagnosisScreen({ back }: { back: Screen }) {
  const t = useT();
  const { bridge, app } = useStores();
  const { contact } = useBranding();
  const locale = useApp((s) => s.locale);
  // At the sign-in screen nothing leaves the app, not even on the clipboard: the report is read out instead.
  const canCopy = !(useApp((s) => s.info?.logonMode) ?? false);
  const [result, setResult] = useState<Diagnosis | null>(null);
  const [error, setError] = useState<IpcError | null>(null);
  const [busy, setBusy] = useState(true);
  const [copied, setCopied] = useState<'copied' | 'failed' | null>(null);

  const run = useCallback(async () => {
    setBusy(true);
    setCopied(null);
    const r = await call(bridge, 'diagnosis:run');
    setBusy(false);
    if (r.ok) {
      setResult(r.value);
      setError(null);
    } else setError(r.error);
  }, [bridge]);

  // Again when the language changes: main words the checks in the app's language.
  useEffect(() => {
    void run();
  }, [run, locale]);

  // Main copies its own report: the page has no clipboard permission.
  async function copy() {
    const r = await call(bridge, 'diagnosis:copyReport');
    setCopied(r.ok ? 'copied' : 'failed');
  }

  return (
    <section className="screen screen-wide" data-screen="diagnosis" aria-labelledby="diagnosis-title" aria-busy={busy || undefined}>
      <ScreenHeading id="diagnosis-title">{t.diagnosis.title}</ScreenHeading>
      <p className="lead">{t.diagnosis.lead}</p>
      {error ? <Alert>{`${t.diagnosis.failed} ${errorText(t, error, contact)}`}</Alert> : null}
      {busy ? (
        <p className="waiting" role="status">
          <span className="spinner" aria-hidden="true" />
          {t.diagnosis.checking}
        </p>
      ) : null}
      {result && !busy ? (
        <>
          <Alert kind={result.overall === 'ok' ? 'success' : result.overall === 'warn' ? 'warning' : 'error'}>{t.diagnosis.summary[result.overall]}</Alert>
          <ol className="diagnosis-list">
            {result.checks.map((c) => (
              <li key={c.id} className={`diagnosis-check diagnosis-${c.verdict}`} data-check={c.id} data-verdict={c.verdict}>
                <h2 className="diagnosis-title">
                  <span className="diagnosis-verdict">
                    <Icon name={VERDICT_ICON[c.verdict]} className="icon-inline" />
                    {t.diagnosis.verdict[c.verdict]}
                  </span>
                  <span className="visually-hidden">: </span>
                  {c.title}
                </h2>
                <p>{c.explanation}</p>
                {c.action ? (
                  <p className="diagnosis-action">
                    <strong>{t.diagnosis.whatToDo}</strong> {c.action}
                  </p>
                ) : null}
              </li>
            ))}
          </ol>
          {copied ? <Alert kind={copied === 'copied' ? 'success' : 'error'}>{copied === 'copied' ? t.diagnosis.copied : t.diagnosis.copyFailed}</Alert> : null}
          <details className="diagnosis-report">
            <summary>{t.diagnosis.reportLabel}</summary>
            <pre data-testid="diagnosis-report" tabIndex={0}>
              {result.report}
            </pre>
          </details>
        </>
      ) : null}
      <div className="actions">
        {canCopy ? (
          <button type="button" className="button button-primary" disabled={!result || busy} onClick={() => void copy()}>
            {t.diagnosis.copy}
          </button>
        ) : null}
        <button type="button" className="button button-secondary" disabled={busy} onClick={() => void run()}>
          {t.diagnosis.runAgain}
        </button>
        <button type="button" className="button button-quiet" onClick={() => app.getState().go(back)}>
          {t.app.back}
        </button>
      </div>
    </section>
  );
}
