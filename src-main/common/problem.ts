/** Turns an HTTP failure into the typed error the renderer shows (`IpcError`). Pure. */
import { Problem } from '../../shared/api/errors.js';
import type { IpcError, IpcErrorCode } from '../../shared/ipc/contract.js';

export function ipcError<C extends IpcErrorCode>(code: C, detail: string, extras: Omit<IpcError, 'code' | 'detail'> = {}): IpcError & { code: C } {
  return { code, detail, ...extras };
}

/** `Retry-After` as seconds (delta form; HTTP dates are read against `now`). */
function retryAfterSeconds(header: string | null, now: Date): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

export function problemToIpcError(status: number, body: unknown, retryAfterHeader: string | null, now: Date): IpcError {
  const parsed = Problem.safeParse(body);
  const headerRetry = retryAfterSeconds(retryAfterHeader, now);
  if (!parsed.success) {
    return ipcError(status === 429 ? 'rate_limited' : 'bad_response', `The server answered ${status} without a problem description.`, {
      status,
      ...(headerRetry !== undefined ? { retryAfterSeconds: headerRetry } : {}),
    });
  }
  const p = parsed.data;
  const retry = p.retryAfterSeconds ?? headerRetry;
  return {
    code: p.code,
    detail: p.detail ?? p.title,
    status,
    ...(retry !== undefined ? { retryAfterSeconds: retry } : {}),
    ...(p.attemptsRemaining !== undefined ? { attemptsRemaining: p.attemptsRemaining } : {}),
    ...(p.violations ? { violations: p.violations } : {}),
    ...(p.issues ? { issues: p.issues } : {}),
    ...(p.method ? { method: p.method } : {}),
  };
}
