import { useEffect, useState } from 'react';
import { Alert } from '../../components/Alert.js';
import { StepUpGate } from '../../components/StepUpGate.js';
import { errorText } from '../../components/error-text.js';
import { ScreenHeading } from '../../components/ScreenHeading.js';
import { formatDate } from '../../i18n/index.js';
import { call } from '../../stores/call.js';
import { useAccount, useApp, useBranding, useStores, useT } from '../../stores/context.js';

/** Signed in: when the password expires (R16), the registered methods (R5, R6), pushes. */
export function HomeScreen() {
  const t = useT();
  const { bridge, app, account } = useStores();
  const { contact } = useBranding();
  const locale = useApp((s) => s.locale);
  const policy = useApp((s) => s.policy);
  const user = useAccount((s) => s.session?.user ?? null);
  const view = useAccount((s) => s.status);
  const methods = useAccount((s) => s.methods);
  const approvals = useAccount((s) => s.approvals);
  const error = useAccount((s) => s.error);
  const [confirmed, setConfirmed] = useState(false);
  /** R26: the change waiting for this sign-in's step-up. */
  const [afterStepUp, setAfterStepUp] = useState<{ run: () => Promise<void> } | null>(null);

  useEffect(() => {
    void account.getState().refresh();
  }, [account]);

  const status = view?.status;
  const enabled = policy?.methods ?? status?.registration.methods ?? [];
  const have = new Set((methods ?? []).map((m) => m.type));
  const waiting = (approvals?.approvals ?? []).filter((a) => a.status === 'waiting');

  async function reconfirm(): Promise<void> {
    const result = await call(bridge, 'me:confirmRegistration');
    if (!result.ok && result.error.code === 'step_up_required') return setAfterStepUp({ run: reconfirm });
    if (result.ok) {
      account.getState().setStatus(result.value);
      app.getState().setBanner('nudge', null);
      setConfirmed(true);
    }
  }

  async function remove(methodId: string): Promise<void> {
    const result = await call(bridge, 'me:deleteMethod', { methodId });
    if (!result.ok && result.error.code === 'step_up_required') return setAfterStepUp({ run: () => remove(methodId) });
    if (result.ok) await account.getState().refresh();
  }

  return (
    <section className="screen screen-wide" data-screen="home" aria-labelledby="home-title">
      <ScreenHeading id="home-title">{t.home.hello(user?.displayName ?? user?.username ?? '')}</ScreenHeading>
      {view?.stale ? <Alert kind="info">{t.home.offline}</Alert> : null}
      {error && !view ? <Alert>{errorText(t, error, contact)}</Alert> : null}

      <div className="cards">
        <section className="card" aria-labelledby="pw-card" data-card="password">
          <h2 id="pw-card">{t.home.passwordCard}</h2>
          {status ? (
            status.password.daysUntilExpiry === null ? (
              <p>{t.home.neverExpires}</p>
            ) : (
              <>
                <p className={status.password.warn ? 'big-figure warn' : 'big-figure'} data-testid="days-until-expiry">
                  {t.home.expiresIn(status.password.daysUntilExpiry)}
                </p>
                {status.password.expiresAt ? <p className="muted">{t.home.expiresOn(formatDate(new Date(status.password.expiresAt), locale))}</p> : null}
              </>
            )
          ) : (
            <p className="muted">{t.app.loading}</p>
          )}
          <div className="actions">
            <button type="button" className="button button-primary" onClick={() => app.getState().go({ name: 'changePassword' })}>
              {t.home.changePassword}
            </button>
          </div>
        </section>

        <section className="card" aria-labelledby="methods-card" data-card="methods">
          <h2 id="methods-card">{t.home.methodsCard}</h2>
          {status ? (
            <p className={status.registration.registered ? '' : 'warn'}>
              {status.registration.registered
                ? t.home.registeredCount(methods?.length ?? status.registration.methods.length, status.registration.required)
                : t.home.notRegistered(status.registration.required)}
            </p>
          ) : null}
          {status?.registration.mustReconfirm && !confirmed ? (
            <div className="callout">
              <p>{t.home.reconfirm}</p>
              <button type="button" className="button button-primary" onClick={() => void reconfirm()}>
                {t.home.reconfirmButton}
              </button>
            </div>
          ) : null}
          {afterStepUp ? (
            <StepUpGate
              onProven={() => {
                setAfterStepUp(null);
                void afterStepUp.run();
              }}
            />
          ) : null}
          {confirmed ? <Alert kind="success">{t.home.reconfirmed}</Alert> : null}
          <ul className="method-rows">
            {(methods ?? []).map((m) => (
              <li key={m.id} className="method-row" data-method={m.type}>
                <span className="method-row-name">
                  {t.methodNames[m.type]}
                  {m.hint && m.type !== 'securityQuestions' ? <span className="muted"> {m.hint}</span> : null}
                  {!m.verified ? <span className="tag">{t.home.pendingVerification}</span> : null}
                  {m.source === 'admin' ? <span className="tag">{t.home.setByAdmin}</span> : null}
                </span>
                {m.source === 'user' ? (
                  <button type="button" className="button button-quiet" aria-label={t.home.removeLabel(t.methodNames[m.type])} onClick={() => void remove(m.id)}>
                    {t.home.remove}
                  </button>
                ) : null}
              </li>
            ))}
          </ul>
          <ul className="add-list">
            {enabled
              .filter((type) => !have.has(type) || type === 'email' || type === 'mobilePhone')
              .filter((type) => !(user?.isAdmin && type === 'securityQuestions'))
              .map((type) => (
                <li key={type}>
                  <button type="button" className="button button-secondary" data-add={type} onClick={() => app.getState().go({ name: 'register', method: type })}>
                    <span aria-hidden="true">+ </span>
                    {t.home.add}: {t.methodNames[type]}
                  </button>
                </li>
              ))}
          </ul>
        </section>

        {waiting.length ? (
          <section className="card" aria-labelledby="approvals-card" data-card="approvals">
            <h2 id="approvals-card">{t.home.approvalsCard}</h2>
            <p>{t.banner.approval}</p>
            <button type="button" className="button button-primary" onClick={() => app.getState().go({ name: 'approvals' })}>
              {t.banner.approvalNow}
            </button>
          </section>
        ) : null}
      </div>

      <div className="actions actions-secondary">
        <button type="button" className="button button-quiet" onClick={() => void account.getState().refresh()}>
          {t.home.refresh}
        </button>
        <button
          type="button"
          className="button button-quiet"
          onClick={() => {
            void account.getState().signOut();
            app.getState().go({ name: 'signIn' });
          }}
        >
          {t.signIn.signOut}
        </button>
      </div>
    </section>
  );
}
