import { expect } from 'vitest';
import type { BuiltinDirectory } from '../../src-server/directory/builtin-directory.js';
import { BuiltinDirectoryStore } from '../../src-server/store/builtin-directory-store.js';
import type { TestServer } from './test-server.js';

/**
 * R18b on the built-in directory, on whichever store `t` runs: each write keeps the hash it
 * replaces (copied by the write itself) and only the 24 newest; a write to an account that is
 * gone writes and completes nothing.
 */
export async function expectHistoryKeptAndTrimmed(t: TestServer, username: string): Promise<void> {
  const db = t.server.services.db;
  const dir = t.server.services.directory as BuiltinDirectory;
  const user = await t.addUser({ username });
  const currentHash = async () => (await db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow()).password_hash;
  let replaced = '';
  for (let i = 0; i < 26; i++) {
    replaced = await currentHash();
    expect(await dir.resetPassword(user, `Harbor-Kite-${i}-Qw7!`, { unlock: false })).toMatchObject({ ok: true });
  }
  const kept = await db.selectFrom('password_history').select('password_hash').where('user_id', '=', user.id).orderBy('id', 'desc').execute();
  expect(kept).toHaveLength(24);
  expect(kept[0]!.password_hash).toBe(replaced);

  let completed = false;
  const written = await new BuiltinDirectoryStore(db).writePassword('no-such-user', replaced, t.clock.now().getTime(), { unlock: false, mustChange: false }, async () => {
    completed = true;
  });
  expect({ written, completed }).toEqual({ written: false, completed: false });
  expect(await db.selectFrom('password_history').select('id').where('user_id', '=', 'no-such-user').execute()).toEqual([]);
}
