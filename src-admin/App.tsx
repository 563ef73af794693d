import { useEffect, useMemo, useState } from 'react';
import { AccessPassSection } from './access-pass/AccessPassSection.js';
import { ActivitySection } from './activity/ActivitySection.js';
import { ApiTokensSection } from './api-tokens/ApiTokensSection.js';
import { createApi, tokenStore, type AdminApi } from './api.js';
import { DashboardSection } from './dashboard/DashboardSection.js';
import { useLiveVersion } from './live.js';
import { PolicySection } from './policy/PolicySection.js';
import { SignIn } from './sign-in/SignIn.js';

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
          <a href="#access-pass">Access pass</a>
          <a href="#api-tokens">API tokens</a>
        </nav>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main>
        <DashboardSection api={api} version={version} />
        <ActivitySection api={api} version={version} />
        <PolicySection api={api} onLoaded={(p) => setOrganization(p.branding.organizationName)} />
        <AccessPassSection api={api} />
        <ApiTokensSection api={api} />
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
  if (!api) {
    return (
      <SignIn
        onSignedIn={(signedIn) => {
          tokenStore.set(signedIn);
          setToken(signedIn);
        }}
      />
    );
  }
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
