import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, databaseUrlOf } from '../../src-server/config.js';
import { BuiltinDirectory } from '../../src-server/directory/builtin-directory.js';
import { createServer } from '../../src-server/server.js';
import { openStore } from '../../src-server/store/db.js';
import { call, countRetry, crashEnv, crashPeers, expectCompletion, FAULT_ROUNDS, FAULT_WRITES, killed, noCounts, roundSeed, startProcess, writeAndKill, type CrashCounts } from '../helpers/fault-process.js';
import { TEST_HASH_PARAMS } from '../helpers/test-server.js';

/**
 * R42 (with R15, R17a, R22, R28): the real server process is SIGKILLed at a seeded point of
 * many parallel signed-in changes (`POST /me/password`), then started again on the same
 * store. Every change answered 200 must be in effect, and every password in effect must have
 * its audit event, its revoked sign-ins and its notice; a change the crash cut off leaves the
 * old password working, so the user signs in and changes it again.
 */

const OLD = 'Initial-Passw0rd!';

const report: Record<string, CrashCounts> = {};
afterAll(() => {
  for (const [store, c] of Object.entries(report)) console.log(`[faults] SIGKILL mid-change (${store}): ${JSON.stringify(c)}`);
});

async function crashRounds(store: 'sqlite' | 'postgres') {
  const { pg, smtp, dataDir, close } = await crashPeers(store, 'sspr-fault-change-');
  const env = crashEnv({ dataDir, smtpUrl: smtp.url, databaseUrl: pg?.url });
  const counts = noCounts();
  report[store] = counts;
  let proc: Awaited<ReturnType<typeof startProcess>> | null = null;
  try {
    const config = loadConfig({ env });
    const seeder = await createServer(config, { hashParams: TEST_HASH_PARAMS });
    const users: Array<{ name: string; email: string }> = [];
    for (let i = 0; i < FAULT_ROUNDS * FAULT_WRITES; i++) {
      const name = `change${i}`;
      const user = await (seeder.services.directory as BuiltinDirectory).createUser({ username: name, password: OLD, displayName: name, email: `${name}@corp.example` });
      users.push({ name, email: user.email! });
    }
    await seeder.close();

    for (let round = 0; round < FAULT_ROUNDS; round++) {
      const label = `${store} change round ${round}`;
      const { seed, random } = roundSeed(label, round);
      proc = await startProcess(env);
      const base: string = proc.base;
      const mine = users.slice(round * FAULT_WRITES, (round + 1) * FAULT_WRITES);
      const newPassword = (u: { name: string }) => `Calm-River-${u.name.slice(6)}x-Beacon-${seed}`;
      const signedIn = await Promise.all(
        mine.map(async (u) => {
          const signIn = await call(base, 'POST', '/auth/sign-in', { username: u.name, password: OLD });
          expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
          return { ...u, accessToken: signIn.body.accessToken as string, refreshToken: signIn.body.refreshToken as string };
        }),
      );
      const settled = await writeAndKill(
        proc.child,
        random,
        signedIn.map((u) => () => call(base, 'POST', '/me/password', { currentPassword: OLD, newPassword: newPassword(u) }, u.accessToken)),
        counts,
        label,
      );

      proc = await startProcess(env);
      const after: string = proc.base;
      const probe = await openStore(databaseUrlOf(config));
      try {
        for (const [i, u] of signedIn.entries()) {
          const answered = settled[i];
          let inEffect = (await call(after, 'POST', '/auth/sign-in', { username: u.name, password: newPassword(u) })).status === 200;
          if (!inEffect) {
            // Cut off by the crash: nothing of it happened, so the old password still signs in.
            const again = await call(after, 'POST', '/auth/sign-in', { username: u.name, password: OLD });
            expect(again.status, `${u.name}: the old password after a change that did not happen`).toBe(200);
            const retry = await call(after, 'POST', '/me/password', { currentPassword: OLD, newPassword: newPassword(u) }, again.body.accessToken as string);
            countRetry(counts, retry, label, u.name);
            inEffect = (await call(after, 'POST', '/auth/sign-in', { username: u.name, password: newPassword(u) })).status === 200;
          }
          if (answered?.status === 200) expect(inEffect, `${u.name} answered 200`).toBe(true);
          if (!inEffect) continue;
          counts.inEffect++;
          await expectCompletion({ store: probe, base: after, smtp, counts }, u, { auditType: 'password.change', subject: /changed/i });
        }
      } finally {
        await probe.close();
      }
      await killed(proc.child);
      proc = null;
    }
  } finally {
    if (proc) await killed(proc.child);
    await close();
  }
  expect(counts.fiveXx).toBe(0);
  expect(counts.inEffect).toBe(counts.auditFound);
  expect(counts.inEffect).toBe(counts.writes);
}

describe('R42: SIGKILL of the server in the middle of parallel signed-in changes (R15, R17a, R22, R28)', () => {
  it('SQLite: every change answered 200 is in effect with its audit event, revocation and notice; cut-off changes can be made again', { timeout: 600_000 }, async () => {
    await crashRounds('sqlite');
  });
  it('PostgreSQL: the same after a restart on the same database', { timeout: 600_000 }, async () => {
    await crashRounds('postgres');
  });
});
