import { useEffect, useState, type FormEvent } from 'react';
import { IssueAccessPassRequest, type IssuedAccessPass } from '../../shared/api/trust.js';
import { ApiFailure, type AdminApi } from '../api.js';
import { ShownOnce } from '../shown-once/ShownOnce.js';

/** R31's range, 10 minutes to 8 hours, in the steps a helpdesk picks from. */
const LIFETIMES: Array<[minutes: number, label: string]> = [
  [10, '10 minutes'],
  [30, '30 minutes'],
  [60, '1 hour'],
  [120, '2 hours'],
  [240, '4 hours'],
  [480, '8 hours'],
];

const time = (iso: string) => iso.slice(0, 16).replace('T', ' ');

/**
 * R31: a helpdesk issues a Temporary Access Pass for a user (new hire, lost phone): picked by
 * name, with a lifetime and one use by default; the pass is shown once and the user is emailed.
 */
export function AccessPassSection({ api }: { api: AdminApi }) {
  const [username, setUsername] = useState('');
  const [matches, setMatches] = useState<string[]>([]);
  const [lifetime, setLifetime] = useState(60);
  const [oneTime, setOneTime] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [issued, setIssued] = useState<(IssuedAccessPass & { username: string }) | null>(null);

  // Names as typed offer matching users (a directory may hold thousands: ask, do not list all).
  useEffect(() => {
    const q = username.trim();
    if (!q) return setMatches([]);
    let current = true;
    const timer = setTimeout(() => {
      api
        .call('listUsers', { query: { q, limit: 20 } })
        .then((r) => current && setMatches(r.users.map((u) => u.username)))
        .catch(() => current && setMatches([]));
    }, 200);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [api, username]);

  async function issue(e: FormEvent) {
    e.preventDefault();
    const user = username.trim();
    if (!user) {
      setError('User: enter the user name.');
      document.getElementById('pass-user')?.focus();
      return;
    }
    try {
      const body = IssueAccessPassRequest.parse({ lifetimeMinutes: lifetime, oneTime });
      setIssued({ ...(await api.call('issueAccessPass', { params: { username: user }, body })), username: user });
      setError(null);
    } catch (e2) {
      setError(e2 instanceof ApiFailure && e2.code === 'not_found' ? `No user is named ${user}.` : e2 instanceof ApiFailure ? e2.message : (e2 as Error).message);
    }
  }

  return (
    <section id="access-pass" aria-labelledby="access-pass-title">
      <h2 id="access-pass-title">Temporary Access Pass</h2>
      <p>A pass lets a user prove who they are before registering or changing methods — a new hire, or someone who lost their phone. It replaces any pass the user holds, and the user is told by email.</p>
      <form className="inline-form" onSubmit={issue} noValidate aria-describedby={error ? 'pass-error' : undefined}>
        <div className="field">
          <label htmlFor="pass-user">User</label>
          <input id="pass-user" list="pass-user-matches" autoComplete="off" value={username} onChange={(e) => setUsername(e.target.value)} />
          <datalist id="pass-user-matches">
            {matches.map((m) => (
              <option key={m} value={m} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor="pass-lifetime">Valid for</label>
          <select id="pass-lifetime" value={lifetime} onChange={(e) => setLifetime(Number(e.target.value))}>
            {LIFETIMES.map(([m, label]) => (
              <option key={m} value={m}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div className="check">
          <input id="pass-one-time" type="checkbox" checked={oneTime} onChange={(e) => setOneTime(e.target.checked)} />
          <label htmlFor="pass-one-time">One use only</label>
        </div>
        <div className="buttons">
          <button type="submit">Issue pass</button>
        </div>
        {error && (
          <p id="pass-error" role="alert" className="field-error">
            {error}
          </p>
        )}
      </form>
      {issued && (
        <ShownOnce id="issued-pass" label="Pass" secret={issued.pass}>
          Temporary Access Pass for {issued.username}, valid until {time(issued.expiresAt)} UTC, {issued.oneTime ? 'for one use' : 'reusable until then'}. Read it to the user or hand it over in person.
        </ShownOnce>
      )}
    </section>
  );
}
