import type { ReportSummary } from '../../shared/api/audit.js';

const W = 480;
const H = 200;
const PAD = { left: 34, right: 8, top: 10, bottom: 26 };

/** A round axis maximum: 1, 2, 5, 10, 20, 50 … */
function niceMax(n: number): number {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= n)!;
}

/** Resets per day: started (light) and succeeded (dark) bars, lockouts as red ticks. Plain SVG. */
export function ResetsChart({ days }: { days: ReportSummary['resetsPerDay'] }) {
  const max = niceMax(Math.max(1, ...days.map((d) => Math.max(d.started, d.succeeded, d.lockouts))));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = plotW / Math.max(1, days.length);
  const bar = Math.max(1, slot * 0.38);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const total = days.reduce((a, d) => ({ started: a.started + d.started, succeeded: a.succeeded + d.succeeded }), { started: 0, succeeded: 0 });
  const labelEvery = Math.ceil(days.length / 6);
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-labelledby="resets-chart-title" data-testid="resets-chart">
      <title id="resets-chart-title">{`Resets per day: ${total.started} started, ${total.succeeded} succeeded over ${days.length} days`}</title>
      {(max >= 2 ? [0, 0.5, 1] : [0, 1]).map((f) => (
        <g key={f}>
          <line className="grid" x1={PAD.left} x2={W - PAD.right} y1={y(max * f)} y2={y(max * f)} />
          <text className="axis" x={PAD.left - 6} y={y(max * f) + 4} textAnchor="end">
            {Math.round(max * f)}
          </text>
        </g>
      ))}
      {days.map((d, i) => {
        const x = PAD.left + i * slot + slot * 0.1;
        return (
          <g key={d.day} data-day={d.day} data-started={d.started} data-succeeded={d.succeeded}>
            <rect className="bar-started" x={x} y={y(d.started)} width={bar} height={Math.max(0, y(0) - y(d.started))} />
            <rect className="bar-succeeded" x={x + bar} y={y(d.succeeded)} width={bar} height={Math.max(0, y(0) - y(d.succeeded))} />
            {d.lockouts > 0 && <rect className="bar-lockout" x={x} y={y(d.lockouts) - 1} width={bar * 2} height={3} />}
            {i % labelEvery === 0 && (
              <text className="axis" x={x + bar} y={H - 8} textAnchor="middle">
                {d.day.slice(5)}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

/** Verifications by method: one horizontal bar each, succeeded share darker. */
export function MethodsChart({ methods }: { methods: ReportSummary['methods'] }) {
  const rowH = 28;
  const labelW = 140;
  const max = niceMax(Math.max(1, ...methods.map((m) => m.verifications)));
  const height = Math.max(1, methods.length) * rowH + 8;
  const barW = (v: number) => ((W - labelW - 70) * v) / max;
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${height}`} role="img" aria-labelledby="methods-chart-title" data-testid="methods-chart">
      <title id="methods-chart-title">
        {methods.length ? `Methods used: ${methods.map((m) => `${m.method} ${m.verifications}`).join(', ')}` : 'Methods used: none in this period'}
      </title>
      {methods.map((m, i) => (
        <g key={m.method} transform={`translate(0 ${i * rowH + 4})`} data-method={m.method} data-verifications={m.verifications}>
          <text className="label" x={labelW - 8} y={rowH / 2 + 4} textAnchor="end">
            {m.method}
          </text>
          <rect className="bar-started" x={labelW} y={4} width={barW(m.verifications)} height={rowH - 10} />
          <rect className="bar-succeeded" x={labelW} y={4} width={barW(m.succeeded)} height={rowH - 10} />
          <text className="label" x={labelW + barW(m.verifications) + 6} y={rowH / 2 + 4}>
            {`${m.succeeded} / ${m.verifications}`}
          </text>
        </g>
      ))}
      {methods.length === 0 && (
        <text className="label" x={8} y={20}>
          No verifications in this period.
        </text>
      )}
    </svg>
  );
}
