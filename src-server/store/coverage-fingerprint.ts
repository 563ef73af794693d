import { createHash } from 'node:crypto';
import type { Db } from './db.js';

/**
 * What registration coverage depends on, in one cheap read: the directory's and methods'
 * sizes, the policy itself and the newest registration and admin events (every flow that
 * changes a method, a user or a group writes one). Equal fingerprints mean an equal coverage.
 */
export class CoverageFingerprint {
  constructor(private readonly db: Db) {}

  async current(): Promise<string> {
    const db = this.db;
    const count = async (table: 'users' | 'methods' | 'group_members') => Number((await db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const newest = async (category: string) =>
      (await db.selectFrom('audit_events').select('id').where('category', '=', category).orderBy('at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst())?.id ?? 0;
    const policy = await db.selectFrom('settings').select('value').where('key', '=', 'policy').executeTakeFirst();
    const policyHash = createHash('sha256').update(policy?.value ?? '').digest('base64url');
    return [await count('users'), await count('methods'), await count('group_members'), policyHash, await newest('registration'), await newest('admin')].join(':');
  }
}
