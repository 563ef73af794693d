import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiTokenScope } from '../../shared/api/api-tokens.js';
import type { Authenticator, SignedInAdmin } from '../auth/authenticator.js';
import { ZodError, type z } from 'zod';
import type { ErrorCode } from '../../shared/api/errors.js';
import { API_BASE, API_ROUTES, routeProblems, type RouteDef, type RouteName } from '../../shared/api/routes.js';
import { DirectoryUnavailableError } from '../directory/directory.js';
import { pickLocale } from '../../shared/i18n/messages.js';
import type { Locale } from '../../shared/api/common.js';
import { ProblemError } from '../errors.js';
import { REPLY_SENT, type ApiRequest, type Caller, type HandlerTable, type RoutePlugin } from './context.js';

export function bearerToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  // 4096: an access token carries the user name, and a 256-character multi-byte name makes it ~1.3 kB.
  const m = /^Bearer ([A-Za-z0-9._~+/=-]{1,4096})$/.exec(h);
  return m ? m[1]! : null;
}

/** `1.2.3.4 app:abc123`: the IP and, when the app says who it is, its instance id. */
function clientOf(req: FastifyRequest): string {
  const app = req.headers['x-sspr-client'];
  const appId = typeof app === 'string' && /^[\w.:-]{1,64}$/.test(app) ? ` app:${app}` : '';
  return `${req.ip}${appId}`;
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!result.success) throw invalidRequest(result.error, where);
  return result.data;
}

export function invalidRequest(error: ZodError, where: string): ProblemError {
  const issues = error.issues.slice(0, 10).map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.message,
  }));
  return new ProblemError('invalid_request', `${issues[0]?.path}: ${issues[0]?.message}`, { issues });
}

/**
 * R38: an API token reaches only the routes its scopes cover, and every use of one is
 * audited; routes without a scope (token management) take a signed-in administrator only.
 */
async function authorizeAdmin(scope: ApiTokenScope | null, name: RouteName, admin: SignedInAdmin, req: FastifyRequest, auth: Authenticator): Promise<SignedInAdmin> {
  const allowed = scope === null ? admin.subjectId !== null && !admin.apiToken : !admin.apiToken || admin.apiToken.scopes.includes(scope);
  if (admin.apiToken) await auth.apiTokenUsed(admin.apiToken, { route: name, client: clientOf(req), allowed });
  if (allowed) return admin;
  throw new ProblemError(
    'forbidden',
    scope === null ? 'Only an administrator signed in with two methods may do this; API tokens and the set-up token may not.' : `This API token's scopes do not cover this request: it needs ${scope}.`,
  );
}

async function authenticate(name: RouteName, def: RouteDef, req: FastifyRequest, auth: Authenticator): Promise<Caller> {
  if (def.auth === 'none') return { kind: 'anonymous' };
  const token = bearerToken(req);
  if (!token) throw new ProblemError(def.auth === 'resetSession' ? 'session_expired' : 'unauthorized', 'A bearer token is required.');
  switch (def.auth) {
    case 'resetSession':
      return { kind: 'resetSession', token };
    case 'user':
    case 'userOrChangeToken': {
      const user = await auth.user(token, def.auth === 'userOrChangeToken');
      if (!user) throw new ProblemError('unauthorized', 'The access token is not valid or has expired.');
      return user;
    }
    case 'admin': {
      const admin = await auth.admin(token, { ip: req.ip });
      if (!admin) {
        await auth.refusedAdminToken(token, { route: name, client: clientOf(req) });
        throw new ProblemError('forbidden', 'An administrator token is required.');
      }
      return authorizeAdmin(def.scope, name, admin, req, auth);
    }
  }
}

/**
 * Registers every route of the shared table that has a handler. Inputs are parsed with the
 * table's zod schemas; in `validateResponses` mode (tests) outputs are checked too, and so
 * are problem codes (`undeclaredProblem`).
 */
function registerApi(app: FastifyInstance, handlers: HandlerTable, auth: Authenticator, options: { validateResponses: boolean }): void {
  for (const name of Object.keys(API_ROUTES) as RouteName[]) {
    const def: RouteDef = API_ROUTES[name];
    const handler = handlers[name] as ((req: ApiRequest<RouteName>) => Promise<unknown>) | undefined;
    if (!handler) continue;
    app.route({
      method: def.method,
      url: API_BASE + def.path.replace(/\{(\w+)\}/g, ':$1'),
      config: { routeName: name },
      handler: async (req, reply) => {
        const caller = await authenticate(name, def, req, auth);
        const locale: Locale = pickLocale(req.headers['accept-language']);
        const apiReq = {
          body: def.body ? parseOrThrow(def.body, req.body, 'body') : undefined,
          query: def.query ? parseOrThrow(def.query, req.query, 'query') : undefined,
          params: req.params,
          caller,
          client: clientOf(req),
          ip: req.ip,
          locale,
          raw: req,
          reply,
        } as ApiRequest<RouteName>;
        const result = await handler(apiReq).catch((err: unknown) => {
          throw (options.validateResponses && undeclaredProblem(name, err)) || err;
        });
        if (result === REPLY_SENT) return reply;
        if (reply.sent) return reply;
        reply.code(def.status);
        if (def.response === null) return reply.send();
        if (options.validateResponses) {
          const check = def.response.safeParse(result);
          if (!check.success) throw new Error(`response of ${name} does not match its schema: ${check.error.message}`);
        }
        return reply.send(result);
      },
    });
  }
}

/**
 * A problem code the route's table entry does not list, as a plain error (a loud 500 in
 * tests), so the OpenAPI document and the clients' error types stay true.
 */
function undeclaredProblem(name: RouteName, err: unknown): Error | null {
  const code: ErrorCode | null = err instanceof ProblemError ? err.code : err instanceof DirectoryUnavailableError ? 'directory_unavailable' : null;
  if (!code || (routeProblems(name) as ErrorCode[]).includes(code)) return null;
  return new Error(`${name} answered ${code}, which its route table entry does not list`);
}

/** An area's handlers of the shared route table, as a route plugin. */
export function apiRoutes(handlers: HandlerTable): RoutePlugin {
  return (app, { authenticator, validateResponses }) => registerApi(app, handlers, authenticator, { validateResponses });
}
