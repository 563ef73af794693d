import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLostAnswerServer, type LostAnswerDirectory } from '../helpers/lost-answer-directory.js';
import type { TestServer } from '../helpers/test-server.js';
import { NEW_PASSWORD, passEmailGate, methodOf, startReset, userWithEmail } from '../helpers/reset-helpers.js';

/**
 * R18d for an external directory: the write lands but its answer is lost (the connection
 * drops after the directory applied it). The intent recorded before the write is reconciled
 * from the directory's own password-changed stamp: at once when the directory answers again,
 * else when the session is next read. A built-in directory stands in for LDAP here, its
 * single-transaction path hidden, so the flow takes the intent path.
 */
let t: TestServer;
let directory: LostAnswerDirectory;
beforeAll(async () => {
  ({ t, directory } = await startLostAnswerServer('Initial-Passw0rd!'));
});
afterAll(async () => {
  await t.close();
});

async function readyToSet(name: string) {
  const { address } = await userWithEmail(t, name);
  const s = await startReset(t, name);
  expect((await passEmailGate(t, s.sessionToken, methodOf(s, 'email'), address)).status).toBe(200);
  // The directory stamps whole moments; the write comes later than the account's creation.
  t.clock.advance(2000);
  return s.sessionToken;
}

const auditOf = (name: string) =>
  t.server.services.db.selectFrom('audit_events').select('detail').where('username', '=', name).where('type', '=', 'reset.password').where('result', '=', 'success').execute();

describe('R18d: a directory write whose answer is lost', () => {
  it('reconciled at once: the write landed, so the reset answers 200 with its audit event and notice', async () => {
    const token = await readyToSet('lost-once');
    directory.loseNextAnswer = true;
    const r = await t.api('POST', '/reset/session/password', { token, body: { newPassword: NEW_PASSWORD, unlockAccount: false } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect((await t.api('GET', '/reset/session', { token })).body.state).toBe('completed');
    expect(await auditOf('lost-once')).toHaveLength(1);
    await t.smtp.waitFor('lost-once@corp.example', (m) => /reset/i.test(m.subject ?? ''));
  });

  it('the directory gone right after the write: 503, then the session reads `completed` once it answers and the claim lapsed', async () => {
    const token = await readyToSet('lost-down');
    directory.loseNextAnswer = true;
    const writing = t.api('POST', '/reset/session/password', { token, body: { newPassword: NEW_PASSWORD, unlockAccount: false } });
    // Down as soon as the write has gone out: the at-once reconciliation cannot read it back.
    const original = directory.resetPassword.bind(directory);
    directory.resetPassword = async (...a) => {
      try {
        return await original(...a);
      } finally {
        directory.down = true;
      }
    };
    const r = await writing;
    directory.resetPassword = original;
    expect(r.status).toBe(503);
    expect(r.body.code).toBe('directory_unavailable');
    directory.down = false;
    // Within the claim the write is still its request's; after it, the directory decides.
    t.clock.advance(t.config.resetClaimMs + 1);
    expect((await t.api('GET', '/reset/session', { token })).body.state).toBe('completed');
    const audit = await auditOf('lost-down');
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.detail!)).toEqual({ reconciled: true });
    await t.smtp.waitFor('lost-down@corp.example', (m) => /reset/i.test(m.subject ?? ''));
  });
});
