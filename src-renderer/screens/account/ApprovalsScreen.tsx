import { useEffect, useState, type FormEvent } from 'react';
import type { Approval } from '../../../shared/api/me.js';
import type { IpcError } from '../../../shared/ipc/contract.js';
import { Alert } from '../../components/Alert.js';
import { errorText } from '../../components/error-text.js';
import { Field } from '../../components/Field.js';
import { ScreenHeading } from '../../components/ScreenHeading.js';
import { formatWhen } from '../../i18n/index.js';
import { call } from '../../stores/call.js';
import { useAccount, useApp, useBranding, useStores, useT } from '../../stores/context.js';

/** Push approvals with number matching: the person types the number the other screen shows. */
export function ApprovalsScreen() {
  const t = useT();
  const { app, account } = useStores();
  const approvals = useAccount((s) => s.approvals);
  // Decisions stay on screen after the request leaves the server's waiting list.
  const [outcomes, setOutcomes] = useState<Array<{ id: string; outcome: Outcome }>>([]);
  const decided = new Set(outcomes.map((o) => o.id));
  const waiting = (approvals?.approvals ?? []).filter((a) => a.status === 'waiting' && !decided.has(a.id));
  useEffect(() => {
    void account.getState().refreshApprovals();
    app.getState().setBanner('approval', false);
  }, [account, app]);
  return (
    <section className="screen" data-screen="approvals" aria-labelledby="approvals-title">
      {/* With a request waiting, focus goes to its number field instead. */}
      <ScreenHeading id="approvals-title" focus={waiting.length === 0}>
        {t.approvals.title}
      </ScreenHeading>
      {outcomes.map(({ id, outcome }) => (
        <div key={id} data-outcome={outcome}>
          <Alert kind={outcome === 'approved' ? 'success' : outcome === 'mismatch' ? 'error' : 'info'}>
            {outcome === 'approved' ? t.approvals.approved : outcome === 'mismatch' ? t.approvals.mismatchDenied : t.approvals.denied}
          </Alert>
        </div>
      ))}
      {waiting.length === 0 && outcomes.length === 0 ? <p role="status">{t.approvals.none}</p> : null}
      {waiting.map((a) => (
        <ApprovalCard key={a.id} approval={a} onDecided={(outcome) => setOutcomes((o) => [...o, { id: a.id, outcome }])} />
      ))}
      <div className="actions actions-secondary">
        <button type="button" className="button button-quiet" onClick={() => app.getState().go({ name: 'home' })}>
          {t.app.back}
        </button>
      </div>
    </section>
  );
}

type Outcome = 'approved' | 'denied' | 'mismatch';

function ApprovalCard({ approval, onDecided }: { approval: Approval; onDecided(outcome: Outcome): void }) {
  const t = useT();
  const { bridge, account } = useStores();
  const { contact } = useBranding();
  const locale = useApp((s) => s.locale);
  const [number, setNumber] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<IpcError | null>(null);

  async function decide(approve: boolean) {
    const n = Number.parseInt(number, 10);
    if (approve && !(n >= 0 && n <= 99)) {
      setError({ code: 'invalid_input', detail: '' });
      return;
    }
    setBusy(true);
    setError(null);
    const result = await call(bridge, 'approvals:decide', { approvalId: approval.id, approve, number: Number.isNaN(n) ? 0 : n });
    setBusy(false);
    if (!result.ok) return setError(result.error);
    // Number matching: approving with the wrong number counts as a denial on the server.
    onDecided(result.value.status === 'approved' ? 'approved' : approve ? 'mismatch' : 'denied');
    void account.getState().refreshApprovals();
  }

  const message = error ? (error.code === 'invalid_input' || error.code === 'invalid_code' || error.code === 'forbidden' ? t.approvals.wrongNumber : errorText(t, error, contact)) : null;
  return (
    <form
      className="card approval"
      data-approval={approval.id}
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        void decide(true);
      }}
      noValidate
    >
      <p>{t.approvals.requested(formatWhen(new Date(approval.requestedAt), locale, new Date()), approval.client)}</p>
      <Field
        label={t.approvals.numberLabel}
        help={t.approvals.numberHelp}
        error={message ?? undefined}
        className="number-field"
        inputMode="numeric"
        autoComplete="off"
        maxLength={2}
        autoFocus
        value={number}
        onChange={(e) => setNumber(e.target.value.replace(/\D/g, '').slice(0, 2))}
      />
      <div className="actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {t.approvals.approve}
        </button>
        <button type="button" className="button button-danger" disabled={busy} onClick={() => void decide(false)}>
          {t.approvals.deny}
        </button>
      </div>
    </form>
  );
}
