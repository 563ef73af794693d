import { useState, type FormEvent } from 'react';
import { ApiFailure, createApi } from '../api.js';

/**
 * The set-up token (from the server's data directory), for a fresh installation only: the server
 * takes it from loopback and only until an administrator holds two methods, and says so.
 */
export function SetupTokenForm({ onSignedIn }: { onSignedIn: (token: string) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [reason, setReason] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setReason(null);
    try {
      await createApi(token.trim()).call('getAdminPolicy');
      onSignedIn(token.trim());
    } catch (err) {
      const refused = err instanceof ApiFailure && (err.status === 401 || err.status === 403);
      setError(refused ? 'This token is not accepted.' : `The server did not answer: ${(err as Error).message}`);
      // A wrong token and a set-up that is over (or a request off loopback) answer alike: the server's words and the way in.
      setReason(refused ? err.message : null);
    } finally {
      setBusy(false);
    }
  }
  return (
    <details className="setup-token">
      <summary>Use a set-up token</summary>
      <form onSubmit={submit} aria-describedby={error ? (reason ? 'token-error token-reason' : 'token-error') : 'token-help'}>
        <label htmlFor="token">Administrator token</label>
        <input id="token" type="password" autoComplete="off" spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} aria-invalid={error ? true : undefined} required />
        <p id="token-help" className="help">
          Only while setting up a new installation, from the server itself: the bootstrap token is in <code>admin-token</code> in the server&apos;s data directory (or{' '}
          <code>SSPR_ADMIN_TOKEN</code>). It is kept in this tab only.
        </p>
        {error && (
          <p id="token-error" className="error" role="alert">
            {error}
          </p>
        )}
        {reason && (
          <p id="token-reason" className="help">
            The server says: {reason} Once an administrator holds two methods, the set-up token is refused: sign in above with your user name, password and two methods.
          </p>
        )}
        <button type="submit" className="secondary" disabled={busy || !token.trim()}>
          Sign in with the token
        </button>
      </form>
    </details>
  );
}
