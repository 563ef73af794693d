import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { API_TOKEN_SCOPES, CreateApiTokenRequest, type ApiTokenInfo, type ApiTokenScope, type CreatedApiToken } from '../../shared/api/api-tokens.js';
import { ApiFailure, type AdminApi } from '../api.js';
import { ShownOnce } from '../shown-once/ShownOnce.js';

const SCOPE_LABELS: Record<ApiTokenScope, string> = {
  'reports:read': 'Read reports',
  'users:manage': 'Manage users and methods (never administrators)',
  'policy:manage': 'Manage the policy',
};

const date = (iso: string) => iso.slice(0, 16).replace('T', ' ');

function problemText(e: unknown): string {
  if (e instanceof ApiFailure && e.status === 403) return 'API tokens are managed by an administrator signed in with two methods.';
  return e instanceof ApiFailure ? [e.message, ...e.issues.map((i) => `${i.path}: ${i.message}`)].join(' ') : (e as Error).message;
}

/** R38: tokens for scripts: created (shown once), listed without their secret, revoked. */
export function ApiTokensSection({ api }: { api: AdminApi }) {
  const [tokens, setTokens] = useState<ApiTokenInfo[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiTokenScope[]>([]);
  const [days, setDays] = useState('90');
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedApiToken | null>(null);
  const [status, setStatus] = useState('');

  const load = useCallback(async () => {
    try {
      setTokens((await api.call('listApiTokens')).tokens);
      setLoadError(null);
    } catch (e) {
      setLoadError(problemText(e));
    }
  }, [api]);
  useEffect(() => void load(), [load]);

  async function create(e: FormEvent) {
    e.preventDefault();
    setStatus('');
    const parsed = CreateApiTokenRequest.safeParse({ name, scopes, expiresInDays: Number(days) });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const field = issue.path[0] === 'scopes' ? 'Scopes' : issue.path[0] === 'expiresInDays' ? 'Valid for' : 'Name';
      setError(`${field}: ${issue.path[0] === 'expiresInDays' ? 'a whole number of days from 1 to 365.' : issue.path[0] === 'scopes' ? 'tick at least one.' : issue.message}`);
      document.getElementById(issue.path[0] === 'scopes' ? 'token-scope-reports:read' : issue.path[0] === 'expiresInDays' ? 'token-days' : 'token-name')?.focus();
      return;
    }
    try {
      setCreated(await api.call('createApiToken', { body: parsed.data }));
      setError(null);
      setName('');
      setScopes([]);
      await load();
    } catch (e2) {
      setError(problemText(e2));
    }
  }

  async function revoke(token: ApiTokenInfo) {
    try {
      await api.call('revokeApiToken', { params: { tokenId: token.id } });
      if (created?.id === token.id) setCreated(null);
      setStatus(`Token ${token.name} revoked.`);
      await load();
    } catch (e) {
      setStatus(problemText(e));
    }
  }

  return (
    <section id="api-tokens" aria-labelledby="api-tokens-title">
      <h2 id="api-tokens-title">API tokens</h2>
      <p>Scripts and configuration management call the API with a token. Each token has a name (its audit actor), the scopes it may use and an expiry.</p>
      {loadError ? (
        <p className="field-error">{loadError}</p>
      ) : (
        <>
          <form className="inline-form" onSubmit={create} noValidate aria-describedby={error ? 'token-error' : undefined}>
            <div className="field">
              <label htmlFor="token-name">Name</label>
              <input id="token-name" value={name} autoComplete="off" onChange={(e) => setName(e.target.value)} />
            </div>
            <div className="field" role="group" aria-labelledby="token-scopes-label">
              <span id="token-scopes-label" className="group-label">
                Scopes
              </span>
              {API_TOKEN_SCOPES.map((s) => (
                <div className="check" key={s}>
                  <input id={`token-scope-${s}`} type="checkbox" checked={scopes.includes(s)} onChange={(e) => setScopes(API_TOKEN_SCOPES.filter((x) => (x === s ? e.target.checked : scopes.includes(x))))} />
                  <label htmlFor={`token-scope-${s}`}>{SCOPE_LABELS[s]}</label>
                </div>
              ))}
            </div>
            <div className="field">
              <label htmlFor="token-days">Valid for (days, 1–365)</label>
              <input id="token-days" inputMode="numeric" value={days} onChange={(e) => setDays(e.target.value)} />
            </div>
            <div className="buttons">
              <button type="submit">Create token</button>
            </div>
            {error && (
              <p id="token-error" role="alert" className="field-error">
                {error}
              </p>
            )}
          </form>
          {created && (
            <ShownOnce id="created-token" label="Token" secret={created.token}>
              Token {created.name} created, valid until {date(created.expiresAt)} UTC. Scripts send it as <code>Authorization: Bearer …</code>.
            </ShownOnce>
          )}
          <div className="table-wrap" role="region" aria-label="API token list" tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created (UTC)</th>
                  <th scope="col">Expires (UTC)</th>
                  <th scope="col">Last used (UTC)</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {tokens?.length === 0 && (
                  <tr>
                    <td colSpan={6}>No API tokens yet.</td>
                  </tr>
                )}
                {tokens?.map((t) => (
                  <tr key={t.id}>
                    <td>{t.name}</td>
                    <td>{t.scopes.join(', ')}</td>
                    <td className="nowrap">
                      {date(t.createdAt)} by {t.createdBy}
                    </td>
                    <td className="nowrap">{date(t.expiresAt)}</td>
                    <td className="nowrap">{t.lastUsedAt ? date(t.lastUsedAt) : 'never'}</td>
                    <td>
                      <button type="button" className="secondary" aria-label={`Revoke ${t.name}`} onClick={() => void revoke(t)}>
                        Revoke
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p role="status">{status}</p>
        </>
      )}
    </section>
  );
}
