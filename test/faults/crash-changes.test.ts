import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, databaseUrlOf } from '../../src-server/config.js';
import { BuiltinDirectory } from '../../src-server/directory/builtin-directory.js';
import { createServer } from '../../src-server/server.js';
import { openStore } from '../../src-server/store/db.js';
import { call, killed, seeded, sleep, startProcess } from '../helpers/fault-process.js';
import { startPostgres, type PostgresPeer } from '../helpers/postgres.js';
import { startSmtpPeer, type SmtpPeer } from '../helpers/smtp-peer.js';
import { TEST_HASH_PARAMS } from '../helpers/test-server.js';

/**
 * R42 (with R15, R17a, R22, R28): the real server process is SIGKILLed at a seeded point of
 * many parallel signed-in changes (`POST /me/password`), then started again on the same
 * store. Every change answered 200 must be in effect, and every password in effect must have
 * its audit event, its revoked sign-ins and its notice; a change the crash cut off leaves the
 * old password working, so the user signs in and changes it again.
 */

const ROUNDS = Math.min(Math.max(Number(process.env.SSPR_FAULT_ROUNDS ?? 1), 1), 50);
const CHANGES = Math.min(Math.max(Number(process.env.SSPR_FAULT_RESETS ?? 16), 2), 200);
const BASE_SEED = Number(process.env.SSPR_FAULT_SEED ?? 20261130);
const OLD = 'Initial-Passw0rd!';

interface Counts {
  rounds: number;
  changes: number;
  answered200: number;
  inEffect: number;
  auditFound: number;
  revoked: number;
  noticed: number;
  resumed: number;
  failedCleanly: number;
  fiveXx: number;
}

const report: Record<string, Counts> = {};
afterAll(() => {
  for (const [store, c] of Object.entries(report)) console.log(`[faults] SIGKILL mid-change (${store}): ${JSON.stringify(c)}`);
});

async function crashRounds(store: 'sqlite' | 'postgres') {
  const pg: PostgresPeer | null = store === 'postgres' ? await startPostgres() : null;
  const smtp: SmtpPeer = await startSmtpPeer();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'sspr-fault-change-'));
  const env: Record<string, string> = {
    SSPR_PORT: '0',
    SSPR_HOST: '127.0.0.1',
    SSPR_DATA_DIR: dataDir,
    SSPR_SMTP_URL: smtp.url,
    SSPR_LOG_LEVEL: 'warn',
    SSPR_RATE_LIMITS: 'off',
    // Notices a killed process had claimed are taken over after 3 × this.
    SSPR_SMTP_TIMEOUT_MS: '2000',
    // The crash is the fault here. With every change's scrypt work at once on two loaded cores,
    // a store round trip was seen to pass the 5 s default ("Query read timeout" → 503
    // store_unavailable, by design); the store deadline has its own test (store-outage).
    SSPR_STORE_TIMEOUT_MS: '20000',
    ...(pg ? { SSPR_DATABASE_URL: pg.url } : {}),
  };
  const counts: Counts = { rounds: 0, changes: 0, answered200: 0, inEffect: 0, auditFound: 0, revoked: 0, noticed: 0, resumed: 0, failedCleanly: 0, fiveXx: 0 };
  report[store] = counts;
  let proc: Awaited<ReturnType<typeof startProcess>> | null = null;
  try {
    const config = loadConfig({ env });
    const seeder = await createServer(config, { hashParams: TEST_HASH_PARAMS });
    const users: Array<{ name: string; email: string }> = [];
    for (let i = 0; i < ROUNDS * CHANGES; i++) {
      const name = `change${i}`;
      const user = await (seeder.services.directory as BuiltinDirectory).createUser({ username: name, password: OLD, displayName: name, email: `${name}@corp.example` });
      users.push({ name, email: user.email! });
    }
    await seeder.close();

    for (let round = 0; round < ROUNDS; round++) {
      const seed = BASE_SEED + round;
      const random = seeded(seed);
      console.log(`[faults] ${store} change round ${round} seed ${seed} (replay: SSPR_FAULT_SEED=${BASE_SEED} SSPR_FAULT_ROUNDS=${round + 1})`);
      proc = await startProcess(env);
      const base: string = proc.base;
      const mine = users.slice(round * CHANGES, (round + 1) * CHANGES);
      const newPassword = (u: { name: string }) => `Calm-River-${u.name.slice(6)}x-Beacon-${seed}`;
      const signedIn = await Promise.all(
        mine.map(async (u) => {
          const signIn = await call(base, 'POST', '/auth/sign-in', { username: u.name, password: OLD });
          expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
          return { ...u, accessToken: signIn.body.accessToken as string, refreshToken: signIn.body.refreshToken as string };
        }),
      );
      const killAfterAnswers = Math.floor(random() * (signedIn.length / 2));
      const killJitterMs = Math.floor(random() * 30);
      let answeredSoFar = 0;
      const answers = signedIn.map((u) =>
        call(base, 'POST', '/me/password', { currentPassword: OLD, newPassword: newPassword(u) }, u.accessToken).then(
          (a) => {
            answeredSoFar++;
            return a;
          },
          () => null,
        ),
      );
      for (let waited = 0; answeredSoFar < killAfterAnswers && waited < 20_000; waited += 5) await sleep(5);
      await sleep(killJitterMs);
      await killed(proc.child);
      const settled = await Promise.all(answers);
      counts.rounds++;
      counts.changes += signedIn.length;
      counts.answered200 += settled.filter((a) => a?.status === 200).length;
      for (const a of settled) {
        if (!a || a.status < 500) continue;
        counts.fiveXx++;
        console.log(`[faults] ${store} change round ${round}: a change answered ${a.status} ${JSON.stringify(a.body)}`);
      }

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
            if (retry.status >= 500) {
              counts.fiveXx++;
              console.log(`[faults] ${store} change round ${round}: a repeated change answered ${retry.status} ${JSON.stringify(retry.body)}`);
            }
            if (retry.status === 200) counts.resumed++;
            else {
              counts.failedCleanly++;
              console.log(`[faults] ${u.name}: repeated change answered ${retry.status} ${JSON.stringify(retry.body)}`);
            }
            inEffect = (await call(after, 'POST', '/auth/sign-in', { username: u.name, password: newPassword(u) })).status === 200;
          }
          if (answered?.status === 200) expect(inEffect, `${u.name} answered 200`).toBe(true);
          if (!inEffect) continue;
          counts.inEffect++;
          const audit = await probe.db.selectFrom('audit_events').select('id').where('username', '=', u.name).where('type', '=', 'password.change').where('result', '=', 'success').execute();
          expect(audit.length, `${u.name}: one password.change audit event (R17a)`).toBe(1);
          counts.auditFound++;
          const refresh = await call(after, 'POST', '/auth/refresh', { refreshToken: u.refreshToken });
          expect(refresh.status, `${u.name}: the sign-in from before the change has ended (R28)`).toBe(401);
          counts.revoked++;
          await smtp.waitFor(u.email, (m) => /changed/i.test(m.subject ?? ''), 30_000);
          counts.noticed++;
        }
      } finally {
        await probe.close();
      }
      await killed(proc.child);
      proc = null;
    }
  } finally {
    if (proc) await killed(proc.child);
    await smtp.close();
    pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  expect(counts.fiveXx).toBe(0);
  expect(counts.inEffect).toBe(counts.auditFound);
  expect(counts.inEffect).toBe(counts.changes);
}

describe('R42: SIGKILL of the server in the middle of parallel signed-in changes (R15, R17a, R22, R28)', () => {
  it('SQLite: every change answered 200 is in effect with its audit event, revocation and notice; cut-off changes can be made again', { timeout: 600_000 }, async () => {
    await crashRounds('sqlite');
  });
  it('PostgreSQL: the same after a restart on the same database', { timeout: 600_000 }, async () => {
    await crashRounds('postgres');
  });
});
