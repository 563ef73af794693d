import { readFileSync } from 'node:fs';
import http from 'node:http';

/** Minimal keep-alive HTTP client for load runs (lower overhead than fetch at 64 clients). */
export class LoadClient {
  private readonly agent: http.Agent;
  constructor(private readonly base: URL, concurrency: number) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  }

  request(method: string, path: string, body?: unknown, token?: string): Promise<{ status: number; body: any }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path: this.base.pathname.replace(/\/$/, '') + path,
          agent: this.agent,
          headers: {
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (res) => {
          let data = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (data += c));
          res.on('end', () => {
            let parsed: unknown = data;
            try {
              parsed = data ? JSON.parse(data) : null;
            } catch {
              /* keep text */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface LoadResult {
  name: string;
  count: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** CPU µs per operation of the server process (all its threads) and of this process (the clients). */
  serverCpuUs?: number;
  clientCpuUs?: number;
}

/** User + system CPU of a process so far, in µs (Linux, /proc; clock ticks of 10 ms). */
function processCpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100;
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * Runs `total` operations with `concurrency` in flight; `op(i)` returns true on the expected
 * outcome. Latency is per operation in ms.
 */
export async function runLoad(name: string, total: number, concurrency: number, op: (i: number) => Promise<boolean>, serverPid?: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const server0 = serverPid ? processCpuUs(serverPid) : 0;
  const client0 = process.cpuUsage();
  const start = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const t0 = performance.now();
      let ok = false;
      try {
        ok = await op(i);
      } catch {
        ok = false;
      }
      latencies.push(performance.now() - t0);
      if (!ok) errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  const client = process.cpuUsage(client0);
  latencies.sort((a, b) => a - b);
  return {
    name, count: total, errors, seconds, rps: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99),
    ...(serverPid ? { serverCpuUs: (processCpuUs(serverPid) - server0) / total, clientCpuUs: (client.user + client.system) / total } : {}),
  };
}

/**
 * Open loop: operation i starts at `start + i / ratePerSecond` however many are still in
 * flight, and its latency counts from that scheduled start (so a stalled server cannot hide
 * its queue, no coordinated omission). `rps` is the rate achieved.
 */
export async function runAtRate(name: string, total: number, ratePerSecond: number, op: (i: number) => Promise<boolean>, serverPid?: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const inFlight: Array<Promise<void>> = [];
  let errors = 0;
  const server0 = serverPid ? processCpuUs(serverPid) : 0;
  const client0 = process.cpuUsage();
  const start = performance.now();
  const launch = (i: number) => {
    const scheduled = start + (i * 1000) / ratePerSecond;
    inFlight.push(
      op(i)
        .catch(() => false)
        .then((ok) => {
          latencies.push(performance.now() - scheduled);
          if (!ok) errors++;
        }),
    );
  };
  let launched = 0;
  await new Promise<void>((done) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * ratePerSecond) / 1000) + 1);
      while (launched < due) launch(launched++);
      if (launched < total) setTimeout(tick, 1);
      else done();
    };
    tick();
  });
  await Promise.all(inFlight);
  const seconds = (performance.now() - start) / 1000;
  const client = process.cpuUsage(client0);
  latencies.sort((a, b) => a - b);
  return {
    name, count: total, errors, seconds, rps: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99),
    ...(serverPid ? { serverCpuUs: (processCpuUs(serverPid) - server0) / total, clientCpuUs: (client.user + client.system) / total } : {}),
  };
}

export function formatResult(r: LoadResult, baseline?: LoadResult): string {
  const ratio = baseline ? `  (${(r.rps / baseline.rps).toFixed(2)}× baseline)` : '';
  const cpu = r.serverCpuUs === undefined ? '' : `   CPU/op: server ${r.serverCpuUs.toFixed(0)} µs, bench ${r.clientCpuUs!.toFixed(0)} µs`;
  return `${r.name.padEnd(34)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${r.p50.toFixed(2).padStart(6)} ms   p99 ${r.p99.toFixed(2).padStart(6)} ms   errors ${r.errors}/${r.count}${ratio}${cpu}`;
}
