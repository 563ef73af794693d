import { BuiltinDirectory } from './directory/builtin-directory.js';
import { maskEmail } from './methods/masking.js';
import type { Db } from './store/db.js';
import type { Directory } from './directory/directory.js';
import type { MethodStore } from './store/method-store.js';

interface DemoDependencies {
  db: Db;
  directory: Directory;
  methodStore: MethodStore;
}

/** Demo accounts for a first look; their passwords are printed on purpose (demo only). */
const DEMO_USERS = [
  { username: 'alice', displayName: 'Alice Example', password: 'Winter-Lantern-42', email: 'alice@example.com', recovery: 'alice.recovery@example.net', isAdmin: false },
  { username: 'taro', displayName: '山田 太郎', password: 'Sakura-Kaze-2026', email: 'taro@example.com', recovery: 'taro.home@example.net', isAdmin: false },
  { username: 'admin', displayName: 'IT Administrator', password: 'Admin-Harbor-77', email: 'admin@example.com', recovery: 'admin.backup@example.net', isAdmin: true },
];

/** Seeds the demo users into an empty built-in directory, with a recovery email each (R4). */
export async function seedDemo(deps: DemoDependencies): Promise<void> {
  if (!(deps.directory instanceof BuiltinDirectory)) return;
  const directory = deps.directory;
  if ((await directory.listUsers({ limit: 1 })).length) return;
  await deps.db.transaction().execute(async (trx) => {
    for (const u of DEMO_USERS) {
      const user = await directory.createUser({ username: u.username, password: u.password, displayName: u.displayName, email: u.email, isAdmin: u.isAdmin, groups: ['sspr-users'] }, trx);
      await deps.methodStore.insert(trx, { subjectId: user.id, type: 'email', source: 'admin', verified: true, hint: maskEmail(u.recovery), data: { address: u.recovery } });
    }
  });
  process.stdout.write(`demo users: ${DEMO_USERS.map((u) => `${u.username} / ${u.password}`).join(', ')}\n`);
}
