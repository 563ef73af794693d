import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DirectoryUnavailableError } from '../../src-server/directory/directory.js';
import { startLostAnswerServer, type LostAnswerDirectory } from '../helpers/lost-answer-directory.js';
import type { TestServer } from '../helpers/test-server.js';

/**
 * R42 on an external directory: a signed-in change or an administrator's reset whose answer
 * is lost after the directory applied it. The intent recorded before the write is settled from
 * the directory's own password-changed stamp — at once, or by the reconciliation once the
 * directory answers again — with its audit event, revocation (R28) and notice (R22).
 */
const PW = 'Initial-Passw0rd!';
const NEW = 'Amber-Lighthouse-Walk-31';

let t: TestServer;
let directory: LostAnswerDirectory;
beforeAll(async () => {
  ({ t, directory } = await startLostAnswerServer(PW));
});
afterAll(async () => {
  await t.close();
});

async function signedIn(username: string) {
  await t.addUser({ username, email: `${username}@corp.example` });
  // The directory stamps whole moments; the write comes later than the account's creation.
  t.clock.advance(2000);
  const r = await t.api('POST', '/auth/sign-in', { body: { username, password: PW } });
  expect(r.status).toBe(200);
  return { access: r.body.accessToken as string, refresh: r.body.refreshToken as string };
}

const auditOf = (name: string, type: 'password.change' | 'admin.user') =>
  t.server.services.db.selectFrom('audit_events').select('detail').where('username', '=', name).where('type', '=', type).where('result', '=', 'success').execute();
const openIntents = () => t.server.services.db.selectFrom('password_write_intents').select('id').execute();

/**
 * The commit of the next completion that audits `type` for `user` fails: a rollback behind
 * the store's back, scheduled while the completion runs so it comes before its commit,
 * stands for that commit failing (an I/O error, a crash).
 */
function loseCompletionCommit(type: 'password.change' | 'admin.user', user: string) {
  const audit = t.server.services.audit;
  const write = audit.write;
  let lost: Promise<unknown> | null = null;
  audit.write = function (this: typeof audit, conn, entry) {
    if (entry.type === type && entry.user === user) lost ??= new Promise((done) => setImmediate(() => sql`rollback`.execute(t.server.services.db).then(done, done)));
    return write.call(this, conn, entry);
  };
  return {
    restore: () => (audit.write = write),
    async done() {
      expect(lost, 'the completion ran').not.toBeNull();
      await lost;
      // The store finds its transaction gone when it comes to commit it.
      await new Promise((turn) => setImmediate(turn));
    },
  };
}

describe('R42: a change or an administrator reset whose directory answer is lost', () => {
  it('POST /me/password, reconciled at once: 200 with its audit event, revocation and notice', async () => {
    const s = await signedIn('chg-lost');
    directory.loseNextAnswer = true;
    const r = await t.api('POST', '/me/password', { token: s.access, body: { currentPassword: PW, newPassword: NEW } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(await auditOf('chg-lost', 'password.change')).toHaveLength(1);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: s.refresh } })).status).toBe(401);
    await t.smtp.waitFor('chg-lost@corp.example', (m) => /changed/i.test(m.subject ?? ''));
    expect(await openIntents()).toEqual([]);
  });

  it('POST /me/password: the directory writes only once the intent is committed (it commits while the current password is checked)', async () => {
    const s = await signedIn('chg-order');
    const original = directory.changePassword;
    let atWrite: unknown[] | null = null;
    directory.changePassword = (user, current, next, beforeWrite) =>
      original.call(directory, user, current, next, async () => {
        await beforeWrite?.();
        atWrite = await openIntents();
      });
    try {
      const r = await t.api('POST', '/me/password', { token: s.access, body: { currentPassword: PW, newPassword: NEW } });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    } finally {
      directory.changePassword = original;
    }
    expect(atWrite).toHaveLength(1);
    expect(await openIntents()).toEqual([]);
    expect(await auditOf('chg-order', 'password.change')).toHaveLength(1);
  });

  it('POST /me/password with the directory gone right after the write: 503, then the reconciliation completes it once it answers', async () => {
    const s = await signedIn('chg-down');
    directory.loseNextAnswer = true;
    const original = directory.changePassword.bind(directory);
    directory.changePassword = async (...a) => {
      try {
        return await original(...a);
      } finally {
        directory.down = true;
      }
    };
    const r = await t.api('POST', '/me/password', { token: s.access, body: { currentPassword: PW, newPassword: NEW } });
    directory.changePassword = original;
    expect(r.status).toBe(503);
    expect(r.body.code).toBe('directory_unavailable');
    expect(await auditOf('chg-down', 'password.change')).toHaveLength(0);
    expect(await openIntents()).toHaveLength(1);
    // While the directory is away the intent waits; its request's time passed, the directory decides.
    t.clock.advance(t.config.resetClaimMs + 1);
    expect(await t.server.services.passwordWrites.reconcileOpenIntents()).toEqual({ completed: 0, notApplied: 0, open: 1 });
    directory.down = false;
    expect(await t.server.services.passwordWrites.reconcileOpenIntents()).toEqual({ completed: 1, notApplied: 0, open: 0 });
    const audit = await auditOf('chg-down', 'password.change');
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.detail!)).toEqual({ reconciled: true });
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: s.refresh } })).status).toBe(401);
    await t.smtp.waitFor('chg-down@corp.example', (m) => /changed/i.test(m.subject ?? ''));
    expect(await openIntents()).toEqual([]);
  });

  it('POST /me/password answers once its completion is applied; a commit lost after that leaves the intent, which completes it (issue 12)', async () => {
    const s = await signedIn('chg-commit-lost');
    const lost = loseCompletionCommit('password.change', 'chg-commit-lost');
    let r: Awaited<ReturnType<typeof t.api>>;
    try {
      r = await t.api('POST', '/me/password', { token: s.access, body: { currentPassword: PW, newPassword: NEW } });
    } finally {
      lost.restore();
    }
    // Answered before the commit: waiting for it, the change would have failed with it.
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    await lost.done();
    expect(await auditOf('chg-commit-lost', 'password.change')).toHaveLength(0);
    expect(await openIntents()).toHaveLength(1);
    t.clock.advance(t.config.resetClaimMs + 1);
    expect(await t.server.services.passwordWrites.reconcileOpenIntents()).toEqual({ completed: 1, notApplied: 0, open: 0 });
    const events = await auditOf('chg-commit-lost', 'password.change');
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.detail!)).toEqual({ reconciled: true });
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: s.refresh } })).status).toBe(401);
    await t.smtp.waitFor('chg-commit-lost@corp.example', (m) => /changed/i.test(m.subject ?? ''));
    expect(await openIntents()).toEqual([]);
  });

  it('a write that never landed is dropped by the reconciliation: no audit event, nothing revoked', async () => {
    const s = await signedIn('chg-never');
    const original = directory.changePassword.bind(directory);
    // The connection drops before the directory applied anything.
    directory.changePassword = async () => {
      directory.down = true;
      throw new DirectoryUnavailableError('connection reset before the write');
    };
    const r = await t.api('POST', '/me/password', { token: s.access, body: { currentPassword: PW, newPassword: NEW } });
    directory.changePassword = original;
    expect(r.status).toBe(503);
    expect(await openIntents()).toHaveLength(1);
    directory.down = false;
    t.clock.advance(t.config.resetClaimMs + 1);
    expect(await t.server.services.passwordWrites.reconcileOpenIntents()).toEqual({ completed: 0, notApplied: 1, open: 0 });
    expect(await auditOf('chg-never', 'password.change')).toHaveLength(0);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: s.refresh } })).status).toBe(200);
    expect(await openIntents()).toEqual([]);
  });

  it('an administrator reset (PATCH /admin/users/:name), reconciled at once: 200, audited, sign-ins ended, the user told', async () => {
    const s = await signedIn('adm-lost');
    directory.loseNextAnswer = true;
    const r = await fetch(`${t.url}/admin/users/adm-lost`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'Temporary-Maple-93!' }),
    });
    expect(r.status, await r.clone().text()).toBe(200);
    const audit = await auditOf('adm-lost', 'admin.user');
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.detail!)).toMatchObject({ action: 'update', passwordReset: true });
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: s.refresh } })).status).toBe(401);
    await t.smtp.waitFor('adm-lost@corp.example', (m) => /reset/i.test(m.subject ?? ''));
    expect(await openIntents()).toEqual([]);
  });
  it('an administrator reset answers only once its completion is committed: one lost is not told as done, and the intent completes it', async () => {
    const s = await signedIn('adm-commit-lost');
    const lost = loseCompletionCommit('admin.user', 'adm-commit-lost');
    let status: number;
    try {
      const r = await fetch(`${t.url}/admin/users/adm-commit-lost`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ password: 'Temporary-Maple-93!' }),
      });
      status = r.status;
    } finally {
      lost.restore();
    }
    await lost.done();
    // A reset's stamp may tell the reconciliation nothing (AD's pwdLastSet 0 after a must-change reset): it waits.
    expect(status).not.toBe(200);
    expect(await openIntents()).toHaveLength(1);
    t.clock.advance(t.config.resetClaimMs + 1);
    expect(await t.server.services.passwordWrites.reconcileOpenIntents()).toEqual({ completed: 1, notApplied: 0, open: 0 });
    expect(await auditOf('adm-commit-lost', 'admin.user')).toHaveLength(1);
    expect((await t.api('POST', '/auth/refresh', { body: { refreshToken: s.refresh } })).status).toBe(401);
    expect(await openIntents()).toEqual([]);
  });
});
