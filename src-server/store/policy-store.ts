import type { Transaction } from 'kysely';
import { DEFAULT_POLICY, PolicyDocument } from '../../shared/api/policy.js';
import type { Clock } from '../clock.js';
import type { Db } from './db.js';
import type { Database } from './schema.js';

const KEY = 'policy';

/**
 * The one policy document (R25), in the store. Reads hit a short cache so several server
 * instances converge within `ttlMs` of a change on any of them.
 */
export class PolicyStore {
  private cached: { policy: PolicyDocument; at: number } | null = null;

  constructor(private readonly db: Db, private readonly clock: Clock, private readonly ttlMs = 2000) {}

  async get(): Promise<PolicyDocument> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.policy;
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', KEY).executeTakeFirst();
    const policy = row ? PolicyDocument.parse(JSON.parse(row.value)) : DEFAULT_POLICY;
    this.cached = { policy, at: now };
    return policy;
  }

  /** Replaces the document (already validated) inside the caller's transaction. */
  async put(trx: Transaction<Database> | Db, policy: PolicyDocument): Promise<void> {
    const value = JSON.stringify(policy);
    const updated_at = this.clock.now().getTime();
    await trx
      .insertInto('settings')
      .values({ key: KEY, value, updated_at })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at }))
      .execute();
    this.cached = null;
  }

  invalidate(): void {
    this.cached = null;
  }
}
