import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../src-server/http/openapi.js';
import { API_ROUTES, routeProblems, type RouteName } from '../../shared/api/routes.js';
import { ERROR_STATUS } from '../../shared/api/errors.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'sspr-openapi-lint-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Operation = { security?: unknown[]; responses: Record<string, { content?: Record<string, { schema: { allOf?: Array<{ properties?: { code?: { enum: string[] } } }> } }> }> };
const doc = buildOpenApi() as { paths: Record<string, Record<string, Operation>> };
const operation = (name: RouteName) => doc.paths[`/api/v1${API_ROUTES[name].path}`]![API_ROUTES[name].method.toLowerCase()]!;

describe('the OpenAPI document', () => {
  it('passes Redocly\'s recommended rules with no error and no warning', async () => {
    const file = path.join(dir, 'openapi.json');
    writeFileSync(file, JSON.stringify(doc));
    // Our own config file, so no redocly.yaml elsewhere can loosen the rules.
    writeFileSync(path.join(dir, 'redocly.yaml'), 'extends:\n  - recommended\n');
    const cli = path.resolve('node_modules/.bin/redocly');
    const result = await run(cli, ['lint', file, '--config', path.join(dir, 'redocly.yaml'), '--format', 'json', '--max-problems', '1000'], { cwd: dir, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' } })
      .catch((e: { stdout: string; stderr: string }) => e);
    const report = JSON.parse(result.stdout) as { totals: { errors: number; warnings: number }; problems: Array<{ ruleId: string; message: string }> };
    expect(report.problems.map((p) => `${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 120_000);

  it('lists each route\'s problem codes under their HTTP status, as problem+json', () => {
    for (const name of Object.keys(API_ROUTES) as RouteName[]) {
      const op = operation(name);
      for (const code of routeProblems(name)) {
        const answer = op.responses[String(ERROR_STATUS[code])];
        expect(answer?.content?.['application/problem+json']?.schema.allOf?.[1]?.properties?.code?.enum, `${name} ${code}`).toContain(code);
      }
    }
    // Spot checks that the table says what the flows do.
    expect(routeProblems('verifyChallenge')).toEqual(expect.arrayContaining(['session_expired', 'invalid_code', 'invalid_answers', 'challenge_expired', 'locked_out']));
    expect(routeProblems('listUsers')).toEqual(expect.arrayContaining(['unauthorized', 'forbidden']));
  });

  it('marks exactly the public operations `security: []`; the rest inherit the bearer token', () => {
    for (const name of Object.keys(API_ROUTES) as RouteName[]) {
      expect(operation(name).security, name).toEqual(API_ROUTES[name].auth === 'none' ? [] : undefined);
    }
  });
});
