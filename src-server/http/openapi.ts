import { z } from 'zod';
import { ERROR_CODES, Problem } from '../../shared/api/errors.js';
import { API_BASE, API_ROUTES, type RouteDef } from '../../shared/api/routes.js';

function schemaOf(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** OpenAPI 3.1, generated from the shared route table: the schemas are the zod ones. */
export function buildOpenApi(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [name, def] of Object.entries(API_ROUTES) as Array<[string, RouteDef]>) {
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
        default: { description: 'Problem', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
      },
    };
    if (def.body) op.requestBody = { required: true, content: { 'application/json': { schema: schemaOf(def.body, 'input') } } };
    if (def.auth !== 'none') op.security = [{ bearer: [] }];
    (paths[API_BASE + def.path] ??= {})[def.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'SSPR API', version: '1', description: `Errors are problem+json with a stable code: ${ERROR_CODES.join(', ')}.` },
    paths,
    components: {
      schemas: { Problem: schemaOf(Problem, 'output') },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}
