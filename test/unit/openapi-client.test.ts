import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { buildOpenApi } from '../../src-server/http/openapi.js';

const run = promisify(execFile);
const dir = mkdtempSync(path.join(tmpdir(), 'sspr-openapi-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A stranger's code against types generated from the document alone: it compiles, and the
 * `@ts-expect-error` lines prove the types are narrow (a wrong code or body does not).
 */
const USAGE = `
import type { components, paths } from './api.js';

type Verify = paths['/api/v1/reset/session/challenges/{challengeId}/verify']['post'];
export const body: Verify['requestBody']['content']['application/json'] = { code: '123456' };
export const answered: Verify['responses'][200]['content']['application/json']['gatesPassed'] = 1;
type Refused = Verify['responses'][400]['content']['application/problem+json'];
export const wrongCode: Refused['code'] = 'invalid_code';
// @ts-expect-error locked_out is a 423, not one of this operation's 400 codes
export const notA400: Refused['code'] = 'locked_out';
export const locked: Verify['responses'][423]['content']['application/problem+json']['retryAfterSeconds'] = 30;

type Identify = paths['/api/v1/reset/sessions']['post'];
// @ts-expect-error the body needs a username
export const noName: Identify['requestBody']['content']['application/json'] = {};
export const started: Identify['responses'][201]['content']['application/json']['sessionToken'] = 'token';

export const problem: components['schemas']['Problem'] = { type: 'about:blank', title: 'Conflict', status: 409, code: 'conflict' };
`;

describe('a client generated from the OpenAPI document (openapi-typescript)', () => {
  it('type-checks a small usage file with tsc', async () => {
    writeFileSync(path.join(dir, 'openapi.json'), JSON.stringify(buildOpenApi()));
    await run(path.resolve('node_modules/.bin/openapi-typescript'), ['openapi.json', '-o', 'api.ts'], { cwd: dir });
    expect(readFileSync(path.join(dir, 'api.ts'), 'utf8')).toContain('export interface paths');
    writeFileSync(path.join(dir, 'usage.ts'), USAGE);
    const tsc = path.resolve('node_modules/.bin/tsc');
    const result = await run(tsc, ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck', 'usage.ts'], { cwd: dir })
      .then(() => ({ stdout: '' }), (e: { stdout: string }) => e);
    expect(result.stdout).toBe('');
  }, 120_000);
});
