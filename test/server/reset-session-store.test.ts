import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { passGate } from '../../src-server/flows/reset-rules.js';
import { openStore, type Store } from '../../src-server/store/db.js';
import { ResetSessionStore, type StoredResetSession } from '../../src-server/store/reset-session-store.js';

/**
 * The reset-session repository against a real in-memory SQLite store: what goes in comes back
 * decoded, status moves are compare-and-set, and superseding ends pending challenges and the
 * push approvals waiting on them. Quick: no HTTP, no directory.
 */
let store: Store;
let sessions: ResetSessionStore;

const T0 = Date.UTC(2026, 0, 5, 9);

function session(over: Partial<StoredResetSession & { tokenHash: string }> = {}): StoredResetSession & { tokenHash: string } {
  return {
    id: 'sess-1', tokenHash: 'hash-1', subjectId: 'subject-1', throttleKey: 'reset:subject-1', username: 'miki', decoy: false, status: 'verifying',
    requiredMethods: 2, gatesPassed: 0, passedMethodIds: [],
    offered: [
      { id: 'pub-email', type: 'email', hint: 'm•••@example.com', ref: 'dir-email', sealed: 'sealed-contact' },
      { id: 'pub-totp', type: 'authenticatorCode', hint: 'Phone', ref: 'm-totp' },
      { id: 'pub-email-2', type: 'email', hint: 'x•••@example.com', ref: 'm-email-2' },
    ],
    client: '127.0.0.1', createdAt: T0, expiresAt: T0 + 15 * 60_000, claimUntil: null,
    ...over,
  };
}

const challenge = (id: string, methodId: string, createdAt = T0) => ({
  id, sessionId: 'sess-1', methodId, type: 'email' as const, codeHash: `code-${id}`, data: { channel: 'x' }, createdAt, expiresAt: createdAt + 5 * 60_000,
});

beforeEach(async () => {
  store = await openStore('sqlite::memory:');
  sessions = new ResetSessionStore(store);
  await store.db.transaction().execute((trx) => sessions.create(trx, session()));
});
afterEach(async () => {
  await store.close();
});

describe('reset session store', () => {
  it('R13: a session comes back by token hash with its JSON columns decoded; an unknown token finds none', async () => {
    const { tokenHash: _, ...stored } = session();
    expect(await sessions.byTokenHash('hash-1')).toEqual(stored);
    expect(await sessions.byId('sess-1')).toEqual(stored);
    expect(await sessions.byTokenHash('nope')).toBeNull();
  });

  it('R10: only a session created as an administrator sign-in is found as one', async () => {
    expect(await sessions.adminSignInByTokenHash('hash-1')).toBeNull();
    await store.db.transaction().execute((trx) => sessions.create(trx, session({ id: 'sess-2', tokenHash: 'hash-2' }), { adminSignIn: true }));
    expect((await sessions.adminSignInByTokenHash('hash-2'))?.id).toBe('sess-2');
  });

  it('R2: gates add up to ready, and a second method of a type already passed does not count twice', async () => {
    await store.db.transaction().execute(async (trx) => {
      expect(await passGate(sessions, trx, 'sess-1', 'pub-email')).toEqual({ gatesPassed: 1 });
      expect(await passGate(sessions, trx, 'sess-1', 'pub-email-2')).toEqual({ gatesPassed: 1 });
    });
    expect((await sessions.byId('sess-1'))).toMatchObject({ gatesPassed: 1, passedMethodIds: ['pub-email'], status: 'verifying' });
    await store.db.transaction().execute((trx) => passGate(sessions, trx, 'sess-1', 'pub-totp'));
    expect((await sessions.byId('sess-1'))).toMatchObject({ gatesPassed: 2, passedMethodIds: ['pub-email', 'pub-totp'], status: 'ready' });
  });

  it('R18a: a status move is compare-and-set, so a double submit claims the password write once', async () => {
    expect(await sessions.moveStatus(store.db, 'sess-1', ['verifying', 'ready'], 'setting')).toBe(true);
    expect(await sessions.moveStatus(store.db, 'sess-1', ['verifying', 'ready'], 'setting')).toBe(false);
    expect(await sessions.moveStatus(store.db, 'sess-1', 'any', 'cancelled', { expiresAt: T0 + 1 })).toBe(true);
    expect(await sessions.byId('sess-1')).toMatchObject({ status: 'cancelled', expiresAt: T0 + 1 });
  });

  it('R13: challenges are numbered within the session; the latest is by time, then by number', async () => {
    await store.db.transaction().execute(async (trx) => {
      await sessions.addChallenge(trx, challenge('c1', 'pub-email'));
      await sessions.addChallenge(trx, challenge('c2', 'pub-totp'));
    });
    const c2 = await sessions.challenge('c2', 'sess-1');
    expect(c2).toMatchObject({ id: 'c2', seq: 2, status: 'pending', data: { channel: 'x' }, codeHash: 'code-c2' });
    expect(await sessions.challenge('c2', 'another-session')).toBeNull();
    expect((await sessions.latestChallenge('sess-1'))?.id).toBe('c2');
  });

  it('R13: superseding ends the pending challenges of one method (or of the whole session) and expires their waiting approvals', async () => {
    await store.db.transaction().execute(async (trx) => {
      await sessions.addChallenge(trx, challenge('c1', 'pub-email'));
      await sessions.addChallenge(trx, challenge('c2', 'pub-totp'));
      await trx.insertInto('approvals').values({ id: 'a1', subject_id: 'subject-1', challenge_id: 'c1', number: 42, status: 'waiting', client: 'x', created_at: T0, expires_at: T0 + 60_000, decided_at: null }).execute();
      await sessions.supersedeChallenges(trx, 'sess-1', 'pub-email');
    });
    expect((await sessions.challenge('c1', 'sess-1'))?.status).toBe('superseded');
    expect((await sessions.challenge('c2', 'sess-1'))?.status).toBe('pending');
    expect((await store.db.selectFrom('approvals').select('status').where('id', '=', 'a1').executeTakeFirstOrThrow()).status).toBe('expired');
    await store.db.transaction().execute((trx) => sessions.supersedeChallenges(trx, 'sess-1'));
    expect((await sessions.challenge('c2', 'sess-1'))?.status).toBe('superseded');
  });

  it('R13: a challenge is settled once; a spent one stays spent', async () => {
    await store.db.transaction().execute(async (trx) => {
      await sessions.addChallenge(trx, challenge('c1', 'pub-email'));
      await sessions.addChallenge(trx, challenge('c2', 'pub-totp'));
      expect(await sessions.settleChallenge(trx, 'c1', 'used', T0 + 5)).toBe(true);
      expect(await sessions.settleChallenge(trx, 'c1', 'used', T0 + 6)).toBe(false);
      await sessions.spendChallenge(trx, 'c2');
      expect(await sessions.settleChallenge(trx, 'c2', 'denied', T0 + 7)).toBe(false);
    });
    expect((await sessions.challengeById('c1'))?.status).toBe('used');
    expect((await sessions.challengeById('c2'))?.status).toBe('spent');
  });
});
