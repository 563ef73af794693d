import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, databaseUrlOf } from '../../src-server/config.js';
import { BuiltinDirectory } from '../../src-server/directory/builtin-directory.js';
import { createServer } from '../../src-server/server.js';
import { openStore } from '../../src-server/store/db.js';
import { startGatewayPeer, type GatewayPeer } from '../helpers/gateway-peer.js';
import { codeIn } from '../helpers/smtp-peer.js';
import { TEST_HASH_PARAMS } from '../helpers/test-server.js';
import { call, countRetry, crashEnv, crashPeers, expectCompletion, FAULT_ROUNDS, FAULT_WRITES, killed, noCounts, roundSeed, sleep, startProcess, writeAndKill, type CrashCounts } from '../helpers/fault-process.js';

/**
 * Issue 10 items 1 and 5 (R11d, R17a, R22): the real server process is SIGKILLed at a random
 * point of many parallel password resets, then started again on the same store. Every
 * password answered 200 must be in effect, and every password in effect must have its whole
 * completion: the audit event, the revoked refresh token, the notice. A session the crash
 * interrupted must tell the truth and be resumable. Fixed seeds, printed, replay a failure.
 */

const CLAIM_MS = 2000;
const ADMIN_TOKEN = 'adm_fault_bootstrap_token_0123456789abcdef';

const report: Record<string, CrashCounts> = {};
afterAll(() => {
  for (const [store, c] of Object.entries(report)) console.log(`[faults] SIGKILL mid-reset (${store}): ${JSON.stringify(c)}`);
});

async function crashRounds(store: 'sqlite' | 'postgres') {
  const { pg, smtp, dataDir, close } = await crashPeers(store, 'sspr-fault-');
  const gateway: GatewayPeer = await startGatewayPeer();
  const env = crashEnv(
    { dataDir, smtpUrl: smtp.url, databaseUrl: pg?.url },
    { SSPR_SMS_WEBHOOK_URL: gateway.url, SSPR_SMS_WEBHOOK_SECRET: gateway.secret, SSPR_ADMIN_TOKEN: ADMIN_TOKEN, SSPR_RESET_CLAIM_MS: String(CLAIM_MS) },
  );
  const counts = noCounts();
  report[store] = counts;
  let proc: Awaited<ReturnType<typeof startProcess>> | null = null;
  try {
    // Users seeded through the server's own code, on the store the process will open.
    const config = loadConfig({ env });
    const seeder = await createServer(config, { hashParams: TEST_HASH_PARAMS });
    const users: Array<{ name: string; email: string; address: string }> = [];
    for (let i = 0; i < FAULT_ROUNDS * FAULT_WRITES; i++) {
      const name = `crash${i}`;
      const user = await (seeder.services.directory as BuiltinDirectory).createUser({ username: name, password: 'Initial-Passw0rd!', displayName: name, email: `${name}@corp.example` });
      const address = `${name}.private@mail.example`;
      await seeder.services.methods.insert(seeder.services.db, { subjectId: user.id, type: 'email', source: 'admin', verified: true, hint: 'e•••', data: { address } });
      users.push({ name, email: user.email!, address });
    }
    await seeder.close();

    for (let round = 0; round < FAULT_ROUNDS; round++) {
      const label = `${store} round ${round}`;
      const { seed, random } = roundSeed(label, round);
      proc = await startProcess(env);
      const base: string = proc.base;
      const mine = users.slice(round * FAULT_WRITES, (round + 1) * FAULT_WRITES);
      const newPassword = (u: { name: string }) => `Quiet-Harbor-${u.name.slice(5)}x-Lantern-${seed}`;
      // Every user signed in (a refresh token the reset must revoke) and through the gate.
      const ready = await Promise.all(
        mine.map(async (u) => {
          const signIn = await call(base, 'POST', '/auth/sign-in', { username: u.name, password: 'Initial-Passw0rd!' });
          expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
          const s = await call(base, 'POST', '/reset/sessions', { username: u.name });
          expect(s.status).toBe(201);
          const token = s.body.sessionToken as string;
          const before = smtp.mails.length;
          const ch = await call(base, 'POST', '/reset/session/challenges', { methodId: s.body.methods[0].id }, token);
          expect(ch.status, JSON.stringify(ch.body)).toBe(201);
          const mail = await smtp.waitFor(u.address, (m) => smtp.mails.indexOf(m) >= before, 15_000);
          const v = await call(base, 'POST', `/reset/session/challenges/${ch.body.challengeId}/verify`, { code: codeIn(mail.text) }, token);
          expect(v.body.complete, JSON.stringify(v.body)).toBe(true);
          return { ...u, token, refreshToken: signIn.body.refreshToken as string };
        }),
      );
      const settled = await writeAndKill(
        proc.child,
        random,
        ready.map((u) => () => call(base, 'POST', '/reset/session/password', { newPassword: newPassword(u), unlockAccount: false }, u.token)),
        counts,
        label,
      );

      proc = await startProcess(env);
      const after: string = proc.base;
      const probe = await openStore(databaseUrlOf(config));
      try {
        // Interrupted sessions tell the truth once their claim lapses.
        await sleep(CLAIM_MS + 200);
        for (const [i, u] of ready.entries()) {
          const answered = settled[i];
          let inEffect = (await call(after, 'POST', '/auth/sign-in', { username: u.name, password: newPassword(u) })).status === 200;
          if (!inEffect) {
            const state = await call(after, 'GET', '/reset/session', undefined, u.token);
            expect(state.body.state, `${u.name} after the crash`).toBe('ready');
            const retry = await call(after, 'POST', '/reset/session/password', { newPassword: newPassword(u), unlockAccount: false }, u.token);
            countRetry(counts, retry, label, u.name);
            inEffect = (await call(after, 'POST', '/auth/sign-in', { username: u.name, password: newPassword(u) })).status === 200;
          }
          // A password answered 200 is in effect (issue 10 item 1).
          if (answered?.status === 200) expect(inEffect, `${u.name} answered 200`).toBe(true);
          if (!inEffect) continue;
          counts.inEffect++;
          await expectCompletion({ store: probe, base: after, smtp, counts }, u, { auditType: 'reset.password', subject: /reset/i });
          const state = await call(after, 'GET', '/reset/session', undefined, u.token);
          expect(state.body.state).toBe('completed');
        }
      } finally {
        await probe.close();
      }
      await killed(proc.child);
      proc = null;
    }
  } finally {
    if (proc) await killed(proc.child);
    await gateway.close();
    await close();
  }
  expect(counts.fiveXx).toBe(0);
  expect(counts.inEffect).toBe(counts.auditFound);
}

describe('R18d: SIGKILL of the server in the middle of parallel resets (R11d, R17a, R22)', () => {
  it('SQLite: every password answered 200 is in effect with its audit event, revocation and notice; interrupted sessions resume', { timeout: 600_000 }, async () => {
    await crashRounds('sqlite');
  });
  it('PostgreSQL: the same after a restart on the same database', { timeout: 600_000 }, async () => {
    await crashRounds('postgres');
  });
});
