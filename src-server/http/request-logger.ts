import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino';

type LogFn = FastifyBaseLogger['info'];

/** What a request logger is made from: Fastify's logger interface, and pino's levels. */
export type RequestLoggerParent = FastifyBaseLogger & Pick<Logger, 'isLevelEnabled' | 'levels'>;

/**
 * A request's logger (`req.log`), made into a pino child only when it first writes a line at
 * an enabled level. Fastify otherwise makes a child for every request, and pino runs its
 * bindings through the redaction as it does: about 1 % of a request's CPU and a share of its
 * garbage (issue 12), for lines most requests never write (a summary at `debug`, problems
 * at `warn`). The lines it writes are the child's, bindings included.
 */
export function requestLogger(parent: RequestLoggerParent, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  let child: FastifyBaseLogger | undefined;
  /** A level of its own (a route's `logLevel`, or set later), else the parent's. */
  let own = options.level;
  const made = () => (child ??= parent.child(bindings, options));
  const enabled = (level: Level) => (own === undefined ? parent.isLevelEnabled(level) : parent.levels.values[level]! >= parent.levels.values[own]!);
  const at = (level: Level): LogFn => {
    const write = (...args: Parameters<LogFn>) => {
      if (enabled(level)) made()[level](...args);
    };
    return write as LogFn;
  };
  return {
    get level() {
      return own ?? parent.level;
    },
    set level(level: string) {
      own = level;
      made().level = level;
    },
    fatal: at('fatal'),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
    silent: () => {},
    child: (more, moreOptions) => made().child(more, moreOptions),
  };
}
