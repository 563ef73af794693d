import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/authenticator.js';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { API_BASE } from '../../shared/api/routes.js';
import { pickLocale } from '../../shared/i18n/messages.js';
import { DirectoryUnavailableError } from '../directory/directory.js';
import { isStoreOutage } from '../store/store-outage.js';
import type { RoutePlugin } from './context.js';
import { registerClientGuard, type ClientGuardOptions } from './client-guard.js';
import { buildOpenApi } from './openapi.js';
import { requestLogger, type RequestLoggerParent } from './request-logger.js';
import { ProblemError } from '../errors.js';
import { equalOfPublicLength } from '../security/tokens.js';
import { toProblem } from './problem.js';

interface HttpAppOptions {
  /** One plugin per area, each built with its flows by the composition root. */
  routes: RoutePlugin[];
  authenticator: Authenticator;
  /** `/readyz`: each check throws when its part is not reachable. */
  readiness: Record<string, () => Promise<void>>;
  logger: RequestLoggerParent;
  metrics?: Registry;
  validateResponses?: boolean;
  /** Deadlines on clients (config `http*TimeoutMs`); unset: Node's defaults. */
  timeouts?: { requestMs: number; headersMs: number; keepAliveMs: number };
  /** `/metrics` needs `Authorization: Bearer <token>`; without one, it is not served. */
  metricsToken?: string;
  /** Fastify's `trustProxy`: which peers may name the client in `X-Forwarded-For`. */
  trustProxy?: boolean | number | string[];
  /** Rate limits and proof-of-work at the anonymous doors; absent: none (tests of other things). */
  clientGuard?: ClientGuardOptions;
}

/** Paths, headers and fields pino must never print. */
export const LOG_REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-sspr-admin-token"]',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.code',
  '*.answers',
  '*.secret',
  '*.refreshToken',
  '*.accessToken',
  '*.sessionToken',
];

/** How long a client should wait before retrying while the store is down. */
const STORE_RETRY_AFTER_SECONDS = 5;

/** Generic texts for server faults: nothing of the fault itself reaches the caller. */
const FAULT_TEXT = {
  en: {
    storeUnavailable: 'The service is temporarily unavailable. Try again in a moment.',
    internal: (id: string) => `Something went wrong on the server. If it happens again, give your IT administrator this reference: ${id}.`,
  },
  ja: {
    storeUnavailable: 'サービスが一時的に利用できません。しばらくしてからもう一度お試しください。',
    internal: (id: string) => `サーバーで問題が発生しました。繰り返し発生する場合は、IT 管理者に次の参照番号を伝えてください: ${id}`,
  },
} as const;

function sendProblem(reply: import('fastify').FastifyReply, err: ProblemError) {
  const problem = toProblem(err);
  if (problem.retryAfterSeconds !== undefined) reply.header('Retry-After', String(problem.retryAfterSeconds));
  return reply.code(err.status).type('application/problem+json').send(problem);
}

function bearerMatches(header: string | undefined, token: string): boolean {
  return equalOfPublicLength(header?.startsWith('Bearer ') ? header.slice(7) : '', token);
}

export async function buildHttpApp(options: HttpAppOptions): Promise<FastifyInstance> {
  // The app is typed by Fastify's own logger interface; the request loggers use pino's level check.
  const logger: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance: logger,
    // Fastify's two lines per request (~35 µs each request at `info`) are replaced by one
    // summary line: at `debug`, or `warn` for a 5xx (the error itself is logged at `error`).
    logController: new LogController({ disableRequestLogging: true }),
    // Every request's parent is this logger: no route or plugin sets a logger of its own.
    childLoggerFactory: (_parent, bindings, childOptions) => requestLogger(options.logger, bindings, childOptions),
    // The correlation id of a 500 names its log line: unique across instances and restarts.
    genReqId: () => randomUUID(),
    bodyLimit: 64 * 1024,
    // A hop count as the function Fastify would build from it (its types take no number).
    trustProxy: typeof options.trustProxy === 'number' ? ((_address: string, hop: number) => hop < (options.trustProxy as number)) : (options.trustProxy ?? false),
    return503OnClosing: true,
    ...(options.timeouts && {
      requestTimeout: options.timeouts.requestMs,
      keepAliveTimeout: options.timeouts.keepAliveMs,
      // Node checks these deadlines only every `connectionsCheckingInterval` (30 s by default).
      http: { headersTimeout: options.timeouts.headersMs, connectionsCheckingInterval: Math.min(Math.max(options.timeouts.headersMs / 2, 250), 5000) },
    }),
    routerOptions: { maxParamLength: 300 },
    ajv: { customOptions: { removeAdditional: false } },
    // Bad percent-encoding and over-long path parameters are answered by the router itself: keep them problem+json too.
    frameworkErrors: (error, _req, reply) =>
      sendProblem(reply, new ProblemError('invalid_request', error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path segment is too long.' : 'The URL is not valid.', { status: error.statusCode ?? 400 })),
  });

  const metrics = options.metrics ?? new Registry();
  if (!options.metrics) collectDefaultMetrics({ register: metrics });
  const duration = new Histogram({
    name: 'sspr_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [metrics],
  });
  const problems = new Counter({ name: 'sspr_http_problems_total', help: 'problem+json answers by code', labelNames: ['code'], registers: [metrics] });

  app.addHook('onResponse', async (req, reply) => {
    const route = (req.routeOptions.config as { routeName?: string }).routeName ?? req.routeOptions.url ?? 'unknown';
    duration.observe({ route, method: req.method, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    const summary = { method: req.method, route, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
    if (reply.statusCode >= 500) req.log.warn(summary, 'request failed');
    else req.log.debug(summary, 'request completed');
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('Cache-Control', 'no-store');
    reply.header('X-Content-Type-Options', 'nosniff');
    return payload;
  });

  app.setErrorHandler((error: FastifyError | ProblemError | Error, req, reply) => {
    if (error instanceof ProblemError) {
      problems.inc({ code: error.code });
      return sendProblem(reply, error);
    }
    if (error instanceof DirectoryUnavailableError) {
      req.log.warn({ err: error.message }, 'directory unavailable');
      problems.inc({ code: 'directory_unavailable' });
      return sendProblem(reply, new ProblemError('directory_unavailable', 'The directory cannot be reached right now. Try again in a moment.', { retryAfterSeconds: 30 }));
    }
    const fe = error as FastifyError;
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      problems.inc({ code: 'invalid_request' });
      const detail =
        fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'The request body is too large.'
        : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'Send application/json.'
        : fe.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'The JSON body is empty.'
        : fe.statusCode === 400 ? `The body is not valid JSON.`
        : fe.message;
      return sendProblem(reply, new ProblemError('invalid_request', detail, { status: fe.statusCode }));
    }
    const text = FAULT_TEXT[pickLocale(req.headers['accept-language'])];
    if (isStoreOutage(error)) {
      req.log.warn({ err: error.message }, 'store unavailable');
      problems.inc({ code: 'store_unavailable' });
      return sendProblem(reply, new ProblemError('store_unavailable', text.storeUnavailable, { retryAfterSeconds: STORE_RETRY_AFTER_SECONDS }));
    }
    req.log.error({ err: error, correlationId: req.id }, 'unhandled error');
    problems.inc({ code: 'internal' });
    return sendProblem(reply, new ProblemError('internal', text.internal(req.id), { correlationId: req.id }));
  });
  app.setNotFoundHandler((_req, reply) => sendProblem(reply, new ProblemError('not_found', 'No such resource.')));

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (req, reply) => {
    // Monitoring holding the metrics token may read the cause; anonymous callers may not.
    const detailed = options.metricsToken !== undefined && bearerMatches(req.headers.authorization, options.metricsToken);
    const checks: Record<string, string> = {};
    let ok = true;
    for (const [name, check] of Object.entries(options.readiness)) {
      try {
        await check();
        checks[name] = 'ok';
      } catch (e) {
        ok = false;
        // The cause (addresses, driver messages) goes to the log, not to anonymous callers.
        checks[name] = detailed ? `unavailable: ${(e as Error).message.slice(0, 200)}` : 'unavailable';
        app.log.warn({ check: name, err: (e as Error).message }, 'not ready');
      }
    }
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });
  const metricsToken = options.metricsToken;
  if (metricsToken) {
    app.get('/metrics', async (req, reply) => {
      if (!bearerMatches(req.headers.authorization, metricsToken)) {
        return sendProblem(reply.header('WWW-Authenticate', 'Bearer'), new ProblemError('unauthorized', 'The metrics token is missing or wrong.'));
      }
      return reply.type(metrics.contentType).send(await metrics.metrics());
    });
  }
  const openApi = buildOpenApi();
  app.get(`${API_BASE}/openapi.json`, async () => openApi);

  if (options.clientGuard) registerClientGuard(app, options.clientGuard);
  const context = { authenticator: options.authenticator, validateResponses: options.validateResponses ?? false };
  for (const routes of options.routes) await routes(app, context);
  return app;
}
