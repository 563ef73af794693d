/**
 * Main's client for the SSPR HTTP API, typed by the shared route table. TLS is required
 * except to loopback; idempotent calls (GET) are retried with backoff on network errors and
 * 502/503/504; every answer is checked against the route's schema; failures come back as
 * the typed `IpcError` the renderer shows. Tokens are passed per call and never logged.
 */
import {
  API_BASE,
  API_ROUTES,
  routePath,
  type RouteBody,
  type RouteName,
  type RouteParams,
  type RouteProblemCode,
  type RouteQuery,
  type RouteResponse,
} from '../../shared/api/routes.js';
import type { Locale } from '../../shared/api/common.js';
import { Problem } from '../../shared/api/errors.js';
import { PROOF_OF_WORK_HEADER, type ProofOfWorkChallenge } from '../../shared/api/proof-of-work.js';
import { isAllowedServerUrl } from '../../shared/ipc/config.js';
import type { CLIENT_ERROR_CODES, IpcError, IpcErrorCode } from '../../shared/ipc/contract.js';
import { ipcError, problemToIpcError } from '../common/problem.js';
import type { Clock } from '../common/time.js';

/** `changeToken`: with `password_expired` only; main keeps it, it never reaches the renderer. */
export type ApiOutcome<T, C extends IpcErrorCode = IpcErrorCode> = { ok: true; value: T; status: number } | { ok: false; error: IpcError & { code: C }; changeToken?: string };

/**
 * The codes a call to route N can fail with: those its table entry lists (the test server
 * refuses to answer others), those main adds, and `rate_limited` for a bare 429 from a proxy.
 */
export type RouteErrorCode<N extends RouteName> = RouteProblemCode<N> | (typeof CLIENT_ERROR_CODES)[number] | 'rate_limited';
/** The outcome of a call to route N. */
export type RouteOutcome<N extends RouteName> = ApiOutcome<RouteResponse<N>, RouteErrorCode<N>>;

export interface ApiClientOptions {
  /** The server, e.g. `https://sspr.example.com` (a trailing `/api/v1` is accepted). */
  serverUrl: () => string | null;
  instanceId: string;
  locale: () => Locale;
  clock: Clock;
  /** Per attempt. */
  timeoutMs?: number;
  /** Attempts for idempotent calls (GET), the first included. */
  maxAttempts?: number;
  /** Backoff before retry `n` (1-based); injected so tests need not wait. */
  delay?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
  /**
   * When a busy server asks for a proof-of-work (identify, sign-in), solve it and ask once
   * more. `solving` tells the UI while it runs (it takes a second or two).
   */
  proofOfWork?: { solve(challenge: ProofOfWorkChallenge): Promise<string | null>; solving(active: boolean): void };
}

type ParamArg<N extends RouteName> = keyof RouteParams<N> extends never ? { params?: undefined } : { params: RouteParams<N> };
export type CallOptions<N extends RouteName> = ParamArg<N> & {
  body?: RouteBody<N>;
  query?: RouteQuery<N>;
  token?: string | null;
};

const RETRYABLE_STATUS = new Set([502, 503, 504]);
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_ATTEMPTS = 3;

/** 250 ms, 500 ms, 1 s … capped at 4 s. */
export function backoffMs(retry: number): number {
  return Math.min(4000, 250 * 2 ** (retry - 1));
}

const realDelay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ApiClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ApiClientOptions) {
    this.fetchImpl = options.fetch ?? fetch;
  }

  /** `https://host/api/v1` without a trailing slash, or an error when not configured / not TLS. */
  baseUrl(): { ok: true; url: string } | { ok: false; error: IpcError } {
    const configured = this.options.serverUrl();
    if (!configured) return { ok: false, error: ipcError('not_configured', 'No server URL is configured.') };
    if (!isAllowedServerUrl(configured)) {
      return { ok: false, error: ipcError('insecure_server_url', 'The server URL must use https:// (http:// is allowed only for this computer).') };
    }
    const trimmed = configured.replace(/\/+$/, '');
    return { ok: true, url: trimmed.endsWith(API_BASE) ? trimmed.slice(0, -API_BASE.length) : trimmed };
  }

  async call<N extends RouteName>(name: N, options: CallOptions<N>): Promise<RouteOutcome<N>> {
    const base = this.baseUrl();
    if (!base.ok) return base;
    const def = API_ROUTES[name];
    const url = new URL(base.url + routePath(name, (options.params ?? {}) as RouteParams<N>));
    for (const [k, v] of Object.entries((options.query ?? {}) as Record<string, unknown>)) {
      if (v !== undefined && v !== null) url.searchParams.set(k, String(v));
    }
    const headers: Record<string, string> = {
      accept: 'application/json, application/problem+json',
      'accept-language': this.options.locale(),
      'x-sspr-client': this.options.instanceId,
    };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.body);
    }
    const attempts = def.method === 'GET' ? (this.options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS) : 1;
    const delay = this.options.delay ?? realDelay;
    let last: ApiOutcome<RouteResponse<N>> | null = null;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await delay(backoffMs(attempt - 1));
      const { outcome, retryable, proofOfWork } = await this.attempt<N>(name, url, { method: def.method, headers, body });
      last = outcome;
      if (proofOfWork && this.options.proofOfWork) return this.withProofOfWork(name, url, { method: def.method, headers, body }, proofOfWork, outcome);
      if (!retryable) break;
    }
    // Narrowed to the route's codes: the server answers no others (its tests refuse to).
    return last as RouteOutcome<N>;
  }

  /** One more try with the solved challenge; when it cannot be solved, the server's answer stands. */
  private async withProofOfWork<N extends RouteName>(
    name: N,
    url: URL,
    init: { method: string; headers: Record<string, string>; body: string | undefined },
    challenge: ProofOfWorkChallenge,
    asked: ApiOutcome<RouteResponse<N>>,
  ): Promise<ApiOutcome<RouteResponse<N>>> {
    const pow = this.options.proofOfWork!;
    pow.solving(true);
    let proof: string | null;
    try {
      proof = await pow.solve(challenge);
    } finally {
      pow.solving(false);
    }
    if (!proof) return asked;
    return (await this.attempt<N>(name, url, { ...init, headers: { ...init.headers, [PROOF_OF_WORK_HEADER]: proof } })).outcome;
  }

  private async attempt<N extends RouteName>(
    name: N,
    url: URL,
    init: { method: string; headers: Record<string, string>; body: string | undefined },
  ): Promise<{ outcome: ApiOutcome<RouteResponse<N>>; retryable: boolean; proofOfWork?: ProofOfWorkChallenge }> {
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let res: Response;
    let text: string;
    try {
      // Redirects are refused: one could lead from https to plain http.
      res = await this.fetchImpl(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) });
      text = await res.text();
    } catch (err) {
      const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
      return {
        outcome: { ok: false, error: timedOut ? ipcError('timeout', `The server did not answer within ${Math.round(timeoutMs / 1000)} s.`) : ipcError('network', 'The server cannot be reached.') },
        retryable: true,
      };
    }
    if (res.status !== API_ROUTES[name].status) {
      const parsed = parseJson(text);
      const error = problemToIpcError(res.status, parsed, res.headers.get('retry-after'), this.options.clock.now());
      const changeToken = error.code === 'password_expired' ? (parsed as { changeToken?: unknown }).changeToken : undefined;
      const proofOfWork = error.code === 'proof_of_work_required' ? Problem.safeParse(parsed).data?.proofOfWork : undefined;
      return {
        outcome: { ok: false, error, ...(typeof changeToken === 'string' ? { changeToken } : {}) },
        retryable: RETRYABLE_STATUS.has(res.status),
        ...(proofOfWork ? { proofOfWork } : {}),
      };
    }
    const schema = API_ROUTES[name].response;
    if (schema === null) return { outcome: { ok: true, value: null as RouteResponse<N>, status: res.status }, retryable: false };
    const checked = schema.safeParse(parseJson(text));
    if (!checked.success) {
      return { outcome: { ok: false, error: ipcError('bad_response', 'The server answered in an unexpected format.', { status: res.status }) }, retryable: false };
    }
    return { outcome: { ok: true, value: checked.data as RouteResponse<N>, status: res.status }, retryable: false };
  }
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}
