import { useEffect, useRef, useState } from 'react';
import type { ReportSummary } from '../../shared/api/audit.js';
import type { AdminApi } from '../api.js';
import { MethodsChart, ResetsChart } from './charts.js';

const DAY_MS = 86_400_000;
const RANGES = [7, 30, 90] as const;
const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(1)}%`);

function Figure({ id, label, value, note }: { id: string; label: string; value: string; note?: string }) {
  return (
    <div className="figure" data-testid={`figure-${id}`}>
      <dt>{label}</dt>
      <dd>
        <span className="value">{value}</span>
        {note && <span className="note">{note}</span>}
      </dd>
    </div>
  );
}

/** Charts and figures for the chosen window; refetched only when a new event arrives. */
export function DashboardSection({ api, version }: { api: AdminApi; version: string }) {
  const [days, setDays] = useState<(typeof RANGES)[number]>(30);
  const [summary, setSummary] = useState<ReportSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const serverNow = useRef<number | null>(null);
  useEffect(() => {
    let cancelled = false;
    // Windows are counted back from the server's clock; the first load learns it.
    const from = days === 30 || serverNow.current === null ? undefined : new Date(serverNow.current - days * DAY_MS).toISOString();
    api
      .call('reportSummary', { query: { tzOffsetMinutes: -new Date().getTimezoneOffset(), ...(from ? { from } : {}) } })
      .then((s) => {
        if (cancelled) return;
        serverNow.current = Date.parse(s.to);
        setSummary(s);
        setError(null);
      })
      .catch((e: Error) => !cancelled && setError(e.message));
    return () => {
      cancelled = true;
    };
  }, [api, version, days]);

  const reg = summary?.registration;
  return (
    <section id="dashboard" aria-labelledby="dashboard-title">
      <div className="section-head">
        <h2 id="dashboard-title">Dashboard</h2>
        <label className="inline">
          Period{' '}
          <select value={days} onChange={(e) => setDays(Number(e.target.value) as (typeof RANGES)[number])}>
            {RANGES.map((d) => (
              <option key={d} value={d}>
                Last {d} days
              </option>
            ))}
          </select>
        </label>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {summary && (
        <>
          <dl className="figures">
            <Figure id="started" label="Resets started" value={String(summary.resets.started)} />
            <Figure id="succeeded" label="Resets succeeded" value={String(summary.resets.succeeded)} note={`success rate ${pct(summary.resets.successRate)}`} />
            <Figure id="lockouts" label="Lockouts" value={String(summary.lockouts)} />
            <Figure
              id="coverage"
              label="Registration coverage"
              value={reg ? pct(reg.coverage) : 'n/a'}
              note={reg ? `${reg.registered} of ${reg.inScope} users in scope` : 'the directory cannot list its users'}
            />
          </dl>
          <div className="charts">
            <figure>
              <figcaption>
                Resets per day <span className="key started">started</span> <span className="key succeeded">succeeded</span> <span className="key lockout">lockouts</span>
              </figcaption>
              <ResetsChart days={summary.resetsPerDay} />
            </figure>
            <figure>
              <figcaption>
                Methods used in resets <span className="key started">verifications</span> <span className="key succeeded">succeeded</span>
              </figcaption>
              <MethodsChart methods={summary.methods} />
            </figure>
          </div>
          <h3>Top failure reasons</h3>
          {summary.topFailureReasons.length === 0 ? (
            <p>No failures in this period.</p>
          ) : (
            <table className="compact" data-testid="failure-reasons">
              <thead>
                <tr>
                  <th scope="col">Event</th>
                  <th scope="col">Reason</th>
                  <th scope="col">Count</th>
                </tr>
              </thead>
              <tbody>
                {summary.topFailureReasons.map((f) => (
                  <tr key={`${f.type}/${f.reason}`}>
                    <td>{f.type}</td>
                    <td>{f.reason}</td>
                    <td className="num">{f.count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
