import { statSync, utimesSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runIn } from '../helpers/cli-process.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/**
 * `sspr-admin` (scripts/sspr-admin.mjs) runs the compiled bundle that `npm install` builds
 * (scripts/build-cli.mjs), and falls back to the sources through tsx when the bundle is older
 * than them. Either way it is the same CLI on the same store.
 */
let t: TestServer;
const BUNDLE = path.join(ROOT, 'dist/cli/admin.js');

const run = (command: string, args: string[]) => runIn(t, command, args);
const sspr = (args: string[]) => run(process.execPath, ['scripts/sspr-admin.mjs', ...args]);

beforeAll(async () => {
  t = await startTestServer();
  const built = await run(process.execPath, ['scripts/build-cli.mjs']);
  expect(built.code, built.stderr).toBe(0);
}, 60_000);
afterAll(async () => {
  await t.close();
});

describe('the compiled admin CLI', () => {
  it('policy get from the bundle prints the policy the server serves; a usage error exits 2', async () => {
    const got = await sspr(['policy', 'get']);
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toEqual((await t.api('GET', '/admin/policy', { token: t.adminToken })).body);
    const wrong = await sspr(['no-such-command']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/^sspr-admin: unknown command "no-such-command"/);
  }, 30_000);

  it('a bundle older than the sources is not run: the sources answer through tsx', async () => {
    const { atime, mtime } = statSync(BUNDLE);
    utimesSync(BUNDLE, atime, new Date(0));
    try {
      const got = await sspr(['policy', 'get']);
      expect(got.code, got.stderr).toBe(0);
      expect(JSON.parse(got.stdout).sspr.methods).toEqual((await t.server.services.policy.get()).sspr.methods);
    } finally {
      utimesSync(BUNDLE, atime, mtime);
    }
  }, 30_000);
});
