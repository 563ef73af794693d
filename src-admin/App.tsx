import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { ActivitySection } from './activity/ActivitySection.js';
import { ApiFailure, createApi, tokenStore, type AdminApi } from './api.js';
import { DashboardSection } from './dashboard/DashboardSection.js';
import { useLiveVersion } from './live.js';
import { PolicySection } from './policy/PolicySection.js';

/** The token form: the bootstrap token from the server's data directory (or SSPR_ADMIN_TOKEN). */
function SignIn({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await createApi(token.trim()).call('getAdminPolicy');
      tokenStore.set(token.trim());
      onSignedIn(token.trim());
    } catch (err) {
      setError(err instanceof ApiFailure && (err.status === 401 || err.status === 403) ? 'This token is not accepted.' : `The server did not answer: ${(err as Error).message}`);
    } finally {
      setBusy(false);
    }
  }
  return (
    <main className="signin">
      <h1>SSPR administration</h1>
      <form onSubmit={submit} aria-describedby={error ? 'token-error' : 'token-help'}>
        <label htmlFor="token">Administrator token</label>
        <input id="token" type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} aria-invalid={error ? true : undefined} required />
        <p id="token-help" className="help">
          The bootstrap token is in <code>admin-token</code> in the server&apos;s data directory (or <code>SSPR_ADMIN_TOKEN</code>). It is kept in this tab only.
        </p>
        {error && (
          <p id="token-error" className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || !token.trim()}>
          Sign in
        </button>
      </form>
    </main>
  );
}

function Console({ api, onSignOut }: { api: AdminApi; onSignOut: () => void }) {
  const version = useLiveVersion(api, onSignOut);
  const [organization, setOrganization] = useState('');
  return (
    <>
      <header className="top">
        <h1>
          SSPR administration{organization && <span className="org"> — {organization}</span>}
        </h1>
        <nav aria-label="Sections">
          <a href="#dashboard">Dashboard</a>
          <a href="#activity">Activity</a>
          <a href="#policy">Policy</a>
        </nav>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        <DashboardSection api={api} version={version} />
        <ActivitySection api={api} version={version} />
        <PolicySection api={api} onLoaded={(p) => setOrganization(p.branding.organizationName)} />
      </main>
    </>
  );
}

export function App() {
  const [token, setToken] = useState<string | null>(() => tokenStore.get());
  const api = useMemo(() => (token ? createApi(token) : null), [token]);
  useEffect(() => {
    document.title = token ? 'SSPR administration' : 'Sign in — SSPR administration';
  }, [token]);
  if (!api) return <SignIn onSignedIn={setToken} />;
  return (
    <Console
      api={api}
      onSignOut={() => {
        tokenStore.clear();
        setToken(null);
      }}
    />
  );
}
