import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokens, TOKEN_LIFETIME_MS } from '../../src-server/auth/access-tokens.js';
import { RefreshTokens } from '../../src-server/auth/refresh-tokens.js';
import { revokeUserSessions } from '../../src-server/store/revocation.js';
import { ManualClock } from '../../src-server/clock.js';
import { openStore, type Store } from '../../src-server/store/db.js';
import { TokenStore } from '../../src-server/store/token-store.js';

let store: Store;
const clock = new ManualClock('2026-03-01T00:00:00Z');
const key = randomBytes(32);
const alice = { id: 'subject-alice', username: 'alice', isAdmin: false };

beforeAll(async () => {
  store = await openStore('sqlite::memory:');
});
afterAll(async () => {
  await store.close();
});

describe('AccessTokens', () => {
  it('verifies its own tokens for the kinds asked for, and no others', async () => {
    const tokens = new AccessTokens(new TokenStore(store.db), clock, key);
    const access = await tokens.issue('access', alice);
    const change = await tokens.issue('change', alice);
    expect(await tokens.verify(access.token, ['access'])).toMatchObject({ sub: 'subject-alice', usr: 'alice', adm: false, knd: 'access', ver: 0 });
    expect(await tokens.verify(change.token, ['access'])).toBeNull();
    expect(await tokens.verify(change.token, ['access', 'change'])).toMatchObject({ knd: 'change' });
  });

  it('access tokens live 15 minutes, change tokens 10, to the millisecond', async () => {
    const tokens = new AccessTokens(new TokenStore(store.db), clock, key);
    expect(TOKEN_LIFETIME_MS).toMatchObject({ access: 15 * 60_000, change: 10 * 60_000 });
    const access = await tokens.issue('access', alice);
    const change = await tokens.issue('change', alice);
    clock.advance(10 * 60_000 - 1);
    expect(await tokens.verify(change.token, ['change'])).not.toBeNull();
    clock.advance(1);
    expect(await tokens.verify(change.token, ['change'])).toBeNull();
    clock.advance(5 * 60_000 - 1);
    expect(await tokens.verify(access.token, ['access'])).not.toBeNull();
    clock.advance(1);
    expect(await tokens.verify(access.token, ['access'])).toBeNull();
  });

  it('a password reset or change (version bump) ends every older token; newer ones work', async () => {
    const tokens = new AccessTokens(new TokenStore(store.db), clock, key);
    const before = await tokens.issue('access', alice);
    await revokeUserSessions(store.db, clock, alice.id);
    expect(await tokens.verify(before.token, ['access'])).toBeNull();
    const after = await tokens.issue('access', alice);
    expect(await tokens.verify(after.token, ['access'])).toMatchObject({ ver: 1 });
  });

  it('refuses tokens made with another key, and anything not shaped like a token', async () => {
    const ours = new AccessTokens(new TokenStore(store.db), clock, key);
    const theirs = new AccessTokens(new TokenStore(store.db), clock, randomBytes(32));
    const foreign = await theirs.issue('access', { ...alice, isAdmin: true });
    expect(await ours.verify(foreign.token, ['access'])).toBeNull();
    for (const junk of ['', 'sat1', 'sat1..', 'sat1.e30.', 'jwt.e30.sig', 'sat1.!!!.???', `sat1.${'A'.repeat(2000)}.x`]) {
      expect(await ours.verify(junk, ['access', 'change', 'admin'])).toBeNull();
    }
  });

  it('a MAC that is not exactly its own text is refused: shorter, longer, one character off, multi-byte, another spelling of its bits', async () => {
    const tokens = new AccessTokens(new TokenStore(store.db), clock, key);
    const good = (await tokens.issue('access', alice)).token;
    const [prefix, claims, mac] = good.split('.') as [string, string, string];
    // 32 bytes are 43 base64url characters; the last one's two low bits are padding, so the
    // next character of the alphabet there decodes to the same MAC.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const otherSpelling = mac.slice(0, -1) + alphabet[alphabet.indexOf(mac.at(-1)!) + 1]!;
    expect(Buffer.from(otherSpelling, 'base64url')).toEqual(Buffer.from(mac, 'base64url'));
    const variants = [mac.slice(0, -1), `${mac}A`, mac.slice(0, -1) + (mac.endsWith('x') ? 'y' : 'x'), 'é'.repeat(mac.length), `${mac.slice(0, -2)}é`, otherSpelling];
    for (const v of variants) expect(await tokens.verify(`${prefix}.${claims}.${v}`, ['access'])).toBeNull();
    expect(await tokens.verify(good, ['access'])).toMatchObject({ sub: alice.id });
  });
});

describe('RefreshTokens', () => {
  it('two parallel refreshes with one token: exactly one wins, and the family is then revoked', async () => {
    const refresh = new RefreshTokens(store.db, clock, new TokenStore(store.db));
    const { token } = await refresh.issue(store.db, 'subject-bob', null);
    const results = await Promise.all([refresh.rotate(token, null), refresh.rotate(token, null)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const loser = results.find((r) => !r.ok)!;
    expect(loser).toMatchObject({ ok: false, reason: 'reused' });
    const winner = results.find((r) => r.ok)!;
    if (!winner.ok) throw new Error('unreachable');
    expect(await refresh.rotate(winner.token, null)).toMatchObject({ ok: false });
  });
});
