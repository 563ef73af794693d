import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, Logger, LogFn } from 'pino';

/** What a request logger is made from: Fastify's logger interface, and pino's levels. */
export type RequestLoggerParent = FastifyBaseLogger & Pick<Logger, 'isLevelEnabled' | 'levels'>;

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const satisfies readonly Level[];

/**
 * A request's logger (`req.log`), made into a pino child only when it first writes a line at
 * an enabled level. Fastify otherwise makes a child for every request, and pino runs its
 * bindings through the redaction as it does: about 1 % of a request's CPU and a share of its
 * garbage (issue 12), for lines most requests never write (a summary at `debug`, problems
 * at `warn`). The lines it writes are the child's, bindings included. One object per request:
 * the level methods are the prototype's (closures made per request cost ~15–35 µs each
 * request under load, issue 12).
 */
class RequestLogger implements FastifyBaseLogger {
  declare fatal: LogFn;
  declare error: LogFn;
  declare warn: LogFn;
  declare info: LogFn;
  declare debug: LogFn;
  declare trace: LogFn;
  declare silent: LogFn;
  private made: FastifyBaseLogger | undefined;
  /** A level of its own (a route's `logLevel`, or set later), else the parent's. */
  private own: string | undefined;

  constructor(
    private readonly parent: RequestLoggerParent,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {
    this.own = options.level;
  }

  private logger(): FastifyBaseLogger {
    return (this.made ??= this.parent.child(this.bindings, this.options));
  }

  /** One line at `level`, when that level is enabled for this request. */
  write(level: Level, args: unknown[]): void {
    const { parent, own } = this;
    const enabled = own === undefined ? parent.isLevelEnabled(level) : parent.levels.values[level]! >= parent.levels.values[own]!;
    if (enabled) (this.logger()[level] as (...line: unknown[]) => void)(...args);
  }

  get level(): string {
    return this.own ?? this.parent.level;
  }

  set level(level: string) {
    this.own = level;
    this.logger().level = level;
  }

  child(more: Bindings, moreOptions?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(more, moreOptions);
  }
}

for (const level of LEVELS) {
  RequestLogger.prototype[level] = function (this: RequestLogger, ...args: unknown[]) {
    this.write(level, args);
  } as LogFn;
}
RequestLogger.prototype.silent = (() => {}) as LogFn;

export function requestLogger(parent: RequestLoggerParent, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new RequestLogger(parent, bindings, options);
}
