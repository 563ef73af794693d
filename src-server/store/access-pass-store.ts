import type { Transaction } from 'kysely';
import type { Db } from './db.js';
import type { Database } from './schema.js';

type Conn = Db | Transaction<Database>;
type AccessPassRow = Database['access_passes'];

/** R31: the rows behind Temporary Access Passes; only a hash of each pass is kept. */
export class AccessPassStore {
  async insert(conn: Conn, row: AccessPassRow): Promise<void> {
    await conn.insertInto('access_passes').values(row).execute();
  }

  async findByHash(trx: Transaction<Database>, passHash: string): Promise<AccessPassRow | undefined> {
    return trx.selectFrom('access_passes').selectAll().where('pass_hash', '=', passHash).executeTakeFirst();
  }

  async markUsed(trx: Transaction<Database>, id: string, at: number): Promise<void> {
    await trx.updateTable('access_passes').set({ used_at: at }).where('id', '=', id).execute();
  }

  /** Conditional: of two parallel uses of a one-time pass only one wins. */
  async markUsedOnce(trx: Transaction<Database>, id: string, at: number): Promise<boolean> {
    const used = await trx.updateTable('access_passes').set({ used_at: at }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
    return Number(used.numUpdatedRows) === 1;
  }

  async expireLive(conn: Conn, subjectId: string, now: number): Promise<void> {
    await conn.updateTable('access_passes').set({ expires_at: now }).where('subject_id', '=', subjectId).where('expires_at', '>', now).execute();
  }
}
