import { z } from 'zod';
import { ERROR_STATUS, type ErrorCode, Problem } from '../../shared/api/errors.js';
import { API_BASE, API_ROUTES, routeProblems, type RouteDef, type RouteName } from '../../shared/api/routes.js';

function schemaOf(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

const PROBLEM_JSON = 'application/problem+json';

/** One response per HTTP status a route's problem codes use; the schema narrows `code` to those codes. */
function problemResponses(codes: readonly ErrorCode[]): Record<string, unknown> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  const responses: Record<string, unknown> = {};
  for (const [status, same] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: `Problem: ${same.join(', ')}`,
      content: {
        [PROBLEM_JSON]: {
          schema: { allOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'object', properties: { code: { type: 'string', enum: same } } }] },
        },
      },
    };
  }
  return responses;
}

/** OpenAPI 3.1, generated from the shared route table: the schemas are the zod ones. */
export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, def] of Object.entries(API_ROUTES) as Array<[RouteName, RouteDef]>) {
    const params = [...def.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    const query = def.query ? Object.entries((schemaOf(def.query, 'input').properties ?? {}) as Record<string, unknown>).map(([q, schema]) => ({ name: q, in: 'query', required: false, schema })) : [];
    const op: Record<string, unknown> = {
      operationId: name,
      summary: def.summary,
      parameters: [...params, ...query],
      responses: {
        [String(def.status)]: def.response
          ? { description: 'OK', content: { 'application/json': { schema: schemaOf(def.response, 'output') } } }
          : { description: 'No content' },
        // Every route's list includes the server's own troubles (503 store_unavailable, 500 internal).
        ...problemResponses(routeProblems(name)),
      },
    };
    if (def.body) op.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(def.body, 'input') } } };
    // The document's default is the bearer token; public operations say they need none.
    if (def.auth === 'none') op.security = [];
    // R38: which API tokens reach an admin operation.
    if (def.auth === 'admin') {
      op['x-sspr-api-token-scope'] = def.scope;
      op.description = def.scope ? `An administrator's token, or an API token with the \`${def.scope}\` scope.` : 'An administrator signed in with two methods only: no API token, no set-up token.';
    }
    (paths[API_BASE + def.path] ??= {})[def.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'SSPR API',
      version: '1',
      description:
        'Self-service password reset. Every error is `application/problem+json` (RFC 9457) with a stable `code`; '
        + 'each operation lists the codes it can answer. Bearer tokens are a reset session token, an access token or an '
        + 'administrator token (or an API token within its scopes, R38), as each operation\'s summary says.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: '{origin}', description: 'An SSPR server', variables: { origin: { default: 'http://localhost:8787', description: 'Scheme, host and port of the server' } } }],
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: { Problem: schemaOf(Problem, 'output') },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}
