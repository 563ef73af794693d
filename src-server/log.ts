/** The logging a room outside `http/` needs; pino's logger (and so Fastify's) provides it. */
export interface Log {
  info(details: Record<string, unknown>, message: string): void;
  warn(details: Record<string, unknown>, message: string): void;
}
