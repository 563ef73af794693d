import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * The server's rooms and the admin console are held apart by lint rules (eslint.config.js),
 * like the app's layers: only http/ speaks HTTP, only store/ holds SQL and the drivers and
 * builds queries, the console is browser code. Each case lints a small fixture as if it were a file at that path.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${filePath}` });
  return result!.messages.filter((m) => m.ruleId?.startsWith('no-restricted')).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('server rooms and the admin console (lint)', () => {
  it.each([
    ['src-server/flows/zz-fixture.ts', "import { toProblem } from '../http/problem.js';\nexport const x = toProblem;\n"],
    ['src-server/flows/reset/zz-fixture.ts', "import type { ApiRequest } from '../../http/context.js';\nexport type X = ApiRequest<'getPolicy'>;\n"],
    ['src-server/methods/zz-fixture.ts', "import type { FastifyBaseLogger } from 'fastify';\nexport type X = FastifyBaseLogger;\n"],
    ['src-server/directory/zz-fixture.ts', "import Fastify from 'fastify';\nexport const x = Fastify;\n"],
    ['src-server/auth/zz-fixture.ts', "import type { Caller } from '../http/context.js';\nexport type X = Caller;\n"],
    ['src-server/policy/zz-fixture.ts', "import { buildHttpApp } from '../http/app.js';\nexport const x = buildHttpApp;\n"],
    ['src-server/throttle/zz-fixture.ts', "import { registerApi } from '../http/api-router.js';\nexport const x = registerApi;\n"],
    ['src-server/store/zz-fixture.ts', "import { toProblem } from '../http/problem.js';\nexport const x = toProblem;\n"],
    ['src-server/cli/zz-fixture.ts', "import { resetRoutes } from '../http/routes/reset-routes.js';\nexport const x = resetRoutes;\n"],
    ['src-server/reports/zz-fixture.ts', "import { sql } from 'kysely';\nexport const x = sql`select 1`;\n"],
    ['src-server/flows/zz-fixture.ts', "import Database from 'better-sqlite3';\nexport const x = new Database(':memory:');\n"],
    ['src-server/audit/zz-fixture.ts', "import pg from 'pg';\nexport const x = pg;\n"],
    ['src-server/http/zz-fixture.ts', "import { sql } from 'kysely';\nexport const x = sql`select 1`;\n"],
    ['src-server/zz-fixture.ts', "import { Kysely } from 'kysely';\nexport const x = Kysely;\n"],
    ['src-admin/zz-fixture.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['src-admin/policy/zz-fixture.tsx', "import { ProblemError } from '../../src-server/errors.js';\nexport const x = ProblemError;\n"],
    ['src-admin/zz-fixture.ts', "import { Companion } from '../src-main/node/companion.js';\nexport const x = Companion;\n"],
    ['src-admin/zz-fixture.ts', 'export const x = () => process.env.HOME;\n'],
    ['src-server/flows/zz-fixture.ts', "import type { Db } from '../store/db.js';\nexport const x = (db: Db) => db.selectFrom('users').selectAll().execute();\n"],
    ['src-server/auth/zz-fixture.ts', "import type { Transaction } from 'kysely';\nimport type { Database } from '../store/schema.js';\nexport const x = (trx: Transaction<Database>) => trx.insertInto('step_ups').values({ sign_in_id: 's', subject_id: 'u', proven_at: 0, how: 'x' }).execute();\n"],
    ['src-server/methods/zz-fixture.ts', "import type { Db } from '../store/db.js';\nexport const x = (db: Db) => db.updateTable('methods').set({ verified: 1 }).execute();\n"],
    ['src-server/directory/zz-fixture.ts', "import type { Db } from '../store/db.js';\nexport const x = (db: Db) => db.deleteFrom('users').execute();\n"],
    ['src-server/notify/zz-fixture.ts', "export const x = (db: { replaceInto(t: string): unknown }) => db.replaceInto('notices');\n"],
    ['src-server/cli/zz-fixture.ts', "export const x = (db: { mergeInto(t: string): unknown }) => db.mergeInto('notices');\n"],
    ['src-server/zz-fixture.ts', "import type { Db } from './store/db.js';\nexport const x = (db: Db) => db.selectFrom('settings').select('key').execute();\n"],
    ['src-server/http/zz-fixture.ts', "import type { Db } from '../store/db.js';\nexport const x = (db: Db) => db.selectFrom('settings').select('key').execute();\n"],
    ['src-server/reports/zz-fixture.ts', "declare const sql: (s: TemplateStringsArray) => unknown;\nexport const x = sql`select 1`;\n"],
    // The server rooms' syntax rule keeps the all-files ipcMain selector it replaces.
    ['src-server/flows/zz-fixture.ts', "declare const ipcMain: unknown;\nexport const x = ipcMain;\n"],
  ])('%s: a crossing is an error — %s', async (file, code) => {
    expect(await boundaryErrors(file, code)).not.toEqual([]);
  });

  it.each([
    ['src-server/store/zz-fixture.ts', "import { sql } from 'kysely';\nimport Database from 'better-sqlite3';\nexport const x = [sql, Database];\n"],
    ['src-server/store/zz-fixture.ts', "import type { Db } from './db.js';\nexport const x = (db: Db) => db.selectFrom('users').selectAll().execute();\n"],
    ['src-server/store/zz-fixture.ts', "import { sql } from 'kysely';\nimport type { Db } from './db.js';\nexport const x = (db: Db) => sql`select 1`.execute(db);\n"],
    ['src-server/flows/zz-fixture.ts', "import type { Db } from '../store/db.js';\nexport const x = (db: Db) => db.transaction().execute(async () => undefined);\n"],
    ['src-server/flows/zz-fixture.ts', "import type { Transaction } from 'kysely';\nimport { ProblemError } from '../errors.js';\nimport type { Log } from '../log.js';\nexport type X = Transaction<unknown> | Log;\nexport const x = ProblemError;\n"],
    ['src-server/http/zz-fixture.ts', "import Fastify from 'fastify';\nimport { ProblemError } from '../errors.js';\nexport const x = [Fastify, ProblemError];\n"],
    ['src-server/zz-fixture.ts', "import { buildHttpApp } from './http/app.js';\nimport { openStore } from './store/db.js';\nexport const x = [buildHttpApp, openStore];\n"],
    ['src-admin/zz-fixture.ts', "import { Problem } from '../shared/api/errors.js';\nexport const x = () => fetch('/api/v1/policy').then((r) => r.json()).then((j) => Problem.parse(j));\n"],
  ])('%s: allowed — %s', async (file, code) => {
    expect(await boundaryErrors(file, code)).toEqual([]);
  });
});
