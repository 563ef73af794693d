/**
 * Run in a child process with no D-Bus session (see secret-store.test.ts): opens the
 * keychain as the app does and prints what happened as one JSON line.
 */
import { AccountCache } from '../../src-main/node/account-cache.js';
import { openSecretStore } from '../../src-main/node/secret-store.js';

const store = await openSecretStore('org.sspr.companion.test-nodbus');
let setError: string | null = null;
try {
  await store.set('refresh-token:x', 'rt');
} catch (err) {
  setError = (err as Error).name;
}
const cache = new AccountCache(store);
await cache.setRefreshToken('x', 'rt_memory_only');
const cacheReadBack = await cache.refreshToken('x');
const freshCacheReadBack = await new AccountCache(store).refreshToken('x');
process.stdout.write(`${JSON.stringify({ available: store.available, reason: store.unavailableReason, setError, cacheReadBack, freshCacheReadBack })}\n`);
