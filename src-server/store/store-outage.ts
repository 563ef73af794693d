/** The store could not be reached (thrown where a connection is taken from the pool). */
export class StoreUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`store unavailable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** node-postgres says these without a code when a connection dies under a query or a deadline passes. */
const PG_CONNECTION_MESSAGES = [
  'Connection terminated',
  'Connection ended unexpectedly',
  'Query read timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
];

/**
 * Whether an error means the store cannot answer now (server down, connection cut, deadline
 * passed, file locked too long) rather than a bug: the HTTP layer answers those
 * `503 store_unavailable` with `Retry-After`, and a later request simply tries again.
 * Only errors of the store's own drivers qualify: a mail relay's ECONNREFUSED is not one.
 */
export function isStoreOutage(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const { code, message, severity } = (error ?? {}) as { code?: unknown; message?: unknown; severity?: unknown };
  // PostgreSQL SQLSTATE (errors from the server carry a severity): 08 connection exception,
  // 57P01–57P03 shutting down / cannot connect now, 57014 statement timeout (the store
  // deadline), 53300 too many connections.
  if (typeof code === 'string' && typeof severity === 'string' && (/^08/.test(code) || /^57P0[1-3]$/.test(code) || code === '57014' || code === '53300')) return true;
  // SQLite: locked past busy_timeout, unreadable, or the disk is full.
  if (typeof code === 'string' && /^SQLITE_(BUSY|LOCKED|IOERR|CANTOPEN|FULL)/.test(code)) return true;
  return typeof message === 'string' && PG_CONNECTION_MESSAGES.some((m) => message.startsWith(m));
}
