import { Problem, type ErrorCode } from '../shared/api/errors.js';
import { API_ROUTES, routePath, type RouteBody, type RouteName, type RouteParams, type RouteQuery, type RouteResponse } from '../shared/api/routes.js';

/** A failed answer, as the console shows it: its status, the problem's stable code and where the input was wrong. */
export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    detail: string,
    readonly issues: NonNullable<Problem['issues']> = [],
    readonly attemptsRemaining?: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
  }
}

const TOKEN_KEY = 'sspr-admin-token';

/** The administrator's token (or the set-up token) lives in this tab's sessionStorage only. */
export const tokenStore = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (token: string) => sessionStorage.setItem(TOKEN_KEY, token),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

type QueryValues = Record<string, string | number | undefined>;

function queryString(query: QueryValues | undefined): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** A problem+json answer read through the shared contract; anything else (a proxy's HTML page) keeps only its status. */
async function failure(res: Response): Promise<ApiFailure> {
  const parsed = Problem.safeParse(await res.json().catch(() => null));
  if (!parsed.success) return new ApiFailure(res.status, 'invalid_request', `HTTP ${res.status}`);
  const problem = parsed.data;
  return new ApiFailure(res.status, problem.code, problem.detail ?? problem.title, problem.issues ?? [], problem.attemptsRemaining, problem.retryAfterSeconds);
}

export interface AdminApi {
  call<N extends RouteName>(
    name: N,
    input?: { params?: RouteParams<N>; query?: RouteQuery<N> & QueryValues; body?: RouteBody<N> },
  ): Promise<RouteResponse<N>>;
  /** A report as the server's CSV file (BOM, RFC 4180), saved through a download link. */
  downloadCsv(name: 'activityReport' | 'registrationReport' | 'adminAudit', query: QueryValues): Promise<{ fileName: string; bytes: number }>;
}

/**
 * Calls the API table's routes with the token (an admin token, or a sign-in session's; none
 * before the password is checked); answers are checked with the shared zod schemas.
 */
export function createApi(token: string | null): AdminApi {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return {
    async call(name, input = {}) {
      const def = API_ROUTES[name];
      const url = routePath(name, (input.params ?? {}) as RouteParams<typeof name>) + queryString(input.query as QueryValues | undefined);
      const res = await fetch(url, {
        method: def.method,
        headers: input.body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: input.body === undefined ? undefined : JSON.stringify(input.body),
        cache: 'no-store',
      });
      if (!res.ok) throw await failure(res);
      if (def.response === null) return undefined as RouteResponse<typeof name>;
      return def.response.parse(await res.json()) as RouteResponse<typeof name>;
    },
    async downloadCsv(name, query) {
      const res = await fetch(routePath(name, {}) + queryString({ ...query, format: 'csv', cursor: undefined, limit: undefined }), { headers, cache: 'no-store' });
      if (!res.ok) throw await failure(res);
      const blob = await res.blob();
      const fileName = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'report.csv';
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = fileName;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      return { fileName, bytes: blob.size };
    },
  };
}
