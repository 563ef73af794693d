import { useEffect, useRef, useState, type FormEvent } from 'react';
import { AUDIT_RESULTS, type ReportPage, type ReportQuery } from '../../shared/api/audit.js';
import { ApiFailure, type AdminApi } from '../api.js';

const REPORTS = {
  activityReport: 'Activity (resets, verifications, lockouts, sign-ins, changes)',
  registrationReport: 'Registration',
  adminAudit: 'Administrator actions',
} as const;
type Report = keyof typeof REPORTS;

interface Filters {
  from: string;
  to: string;
  user: string;
  type: string;
  method: string;
  result: string;
  client: string;
}
const NO_FILTERS: Filters = { from: '', to: '', user: '', type: '', method: '', result: '', client: '' };

/** `datetime-local` is the viewer's local time; the API takes ISO 8601 with an offset. */
const isoOf = (local: string) => (local ? new Date(local).toISOString() : undefined);
const localTime = (iso: string) => new Date(iso).toLocaleString('sv-SE');

function queryOf(f: Filters) {
  return {
    from: isoOf(f.from),
    to: isoOf(f.to),
    user: f.user.trim() || undefined,
    type: f.type.trim() || undefined,
    method: f.method.trim() || undefined,
    result: (f.result || undefined) as ReportQuery['result'],
    client: f.client.trim() || undefined,
  };
}

/** R17b: every column filterable, keyset paging, CSV download of the whole filtered report. */
export function ActivitySection({ api, version }: { api: AdminApi; version: string }) {
  const [report, setReport] = useState<Report>('activityReport');
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  const [limit, setLimit] = useState(50);
  /** Cursors of the pages visited: index 0 is the newest page. */
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [page, setPage] = useState<ReportPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  const [newer, setNewer] = useState(false);
  const seenVersion = useRef(version);
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    // New events only reload the first page; deeper pages keep still and say so.
    if (version !== seenVersion.current && cursor !== undefined) {
      setNewer(true);
      return;
    }
    seenVersion.current = version;
    let cancelled = false;
    api
      .call(report, { query: { ...queryOf(filters), limit, cursor } })
      .then((p) => {
        if (cancelled) return;
        setPage(p);
        setError(null);
        setNewer(false);
      })
      .catch((e: Error) => !cancelled && setError(e instanceof ApiFailure ? `${e.message}` : `The server did not answer: ${e.message}`));
    return () => {
      cancelled = true;
    };
  }, [api, version, report, filters, limit, cursor]);

  function apply(e: FormEvent) {
    e.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  }
  function reset() {
    setDraft(NO_FILTERS);
    setFilters(NO_FILTERS);
    setCursors([undefined]);
  }
  async function download() {
    setStatus('Preparing the CSV file…');
    try {
      const { fileName, bytes } = await api.downloadCsv(report, { ...queryOf(filters), sort: 'desc' });
      setStatus(`Downloaded ${fileName} (${bytes.toLocaleString()} bytes).`);
    } catch (e) {
      setStatus('');
      setError((e as Error).message);
    }
  }
  const field = (name: keyof Filters, label: string, type = 'text', placeholder?: string) => (
    <div className="field">
      <label htmlFor={`filter-${name}`}>{label}</label>
      <input id={`filter-${name}`} type={type} value={draft[name]} placeholder={placeholder} onChange={(e) => setDraft({ ...draft, [name]: e.target.value })} />
    </div>
  );

  return (
    <section id="activity" aria-labelledby="activity-title">
      <div className="section-head">
        <h2 id="activity-title">Activity</h2>
        <button type="button" onClick={download}>
          Download CSV
        </button>
      </div>
      <form className="filters" onSubmit={apply} aria-label="Report filters">
        <div className="field">
          <label htmlFor="filter-report">Report</label>
          <select
            id="filter-report"
            value={report}
            onChange={(e) => {
              setReport(e.target.value as Report);
              setCursors([undefined]);
            }}
          >
            {Object.entries(REPORTS).map(([k, v]) => (
              <option key={k} value={k}>
                {v}
              </option>
            ))}
          </select>
        </div>
        {field('from', 'From', 'datetime-local')}
        {field('to', 'To', 'datetime-local')}
        {field('user', 'User')}
        {field('type', 'Event type', 'text', 'reset. or reset.verify')}
        {field('method', 'Method', 'text', 'mobilePhone')}
        <div className="field">
          <label htmlFor="filter-result">Result</label>
          <select id="filter-result" value={draft.result} onChange={(e) => setDraft({ ...draft, result: e.target.value })}>
            <option value="">any</option>
            {AUDIT_RESULTS.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        {field('client', 'Client (IP or app)')}
        <div className="buttons">
          <button type="submit">Apply filters</button>
          <button type="button" className="secondary" onClick={reset}>
            Clear
          </button>
        </div>
      </form>
      <p className="status" role="status" aria-live="polite">
        {status}
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {newer && (
        <p className="note">
          New events have arrived.{' '}
          <button type="button" className="link" onClick={() => setCursors([undefined])}>
            Show the newest
          </button>
        </p>
      )}
      <div className="table-wrap" tabIndex={0} role="region" aria-label="Events">
        <table data-testid="events">
          <thead>
            <tr>
              {['Time', 'Event', 'User', 'Actor', 'Method', 'Result', 'Client', 'Detail'].map((h) => (
                <th key={h} scope="col">
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {page?.events.map((e) => (
              <tr key={e.id} data-event-id={e.id} className={e.result === 'success' ? undefined : 'not-ok'}>
                <td className="nowrap">{localTime(e.time)}</td>
                <td>{e.type}</td>
                <td>{e.user ?? ''}</td>
                <td>{e.actor ?? ''}</td>
                <td>{e.method ?? ''}</td>
                <td>{e.result}</td>
                <td>{e.client ?? ''}</td>
                <td className="detail">{e.detail ? JSON.stringify(e.detail) : ''}</td>
              </tr>
            ))}
            {page && page.events.length === 0 && (
              <tr>
                <td colSpan={8}>No events match.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <nav className="pager" aria-label="Pages">
        <button type="button" className="secondary" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <span>Page {cursors.length}</span>
        <button type="button" className="secondary" disabled={!page?.nextCursor} onClick={() => page?.nextCursor && setCursors([...cursors, page.nextCursor])}>
          Older
        </button>
        <label className="inline">
          Rows{' '}
          <select
            value={limit}
            onChange={(e) => {
              setLimit(Number(e.target.value));
              setCursors([undefined]);
            }}
          >
            {[25, 50, 100, 500].map((n) => (
              <option key={n}>{n}</option>
            ))}
          </select>
        </label>
      </nav>
    </section>
  );
}
