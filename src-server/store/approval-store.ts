import type { Transaction } from 'kysely';
import type { Db } from './db.js';
import type { Database } from './schema.js';

export type ApprovalRow = Database['approvals'];

/** Push approvals with number matching: one row per push challenge, decided once. */
export class ApprovalStore {
  constructor(private readonly db: Db) {}

  async insert(trx: Transaction<Database>, row: ApprovalRow): Promise<void> {
    await trx.insertInto('approvals').values(row).execute();
  }

  /** Waiting and not yet expired at `now`, oldest first. */
  async waiting(subjectId: string, now: number): Promise<ApprovalRow[]> {
    return this.db
      .selectFrom('approvals')
      .selectAll()
      .where('subject_id', '=', subjectId)
      .where('status', '=', 'waiting')
      .where('expires_at', '>', now)
      .orderBy('created_at')
      .execute();
  }

  async find(subjectId: string, id: string): Promise<ApprovalRow | undefined> {
    return this.db.selectFrom('approvals').selectAll().where('id', '=', id).where('subject_id', '=', subjectId).executeTakeFirst();
  }

  /** False when it was decided already: of two parallel decisions only one wins. */
  async decide(trx: Transaction<Database>, id: string, status: 'approved' | 'denied', at: number): Promise<boolean> {
    const decided = await trx.updateTable('approvals').set({ status, decided_at: at }).where('id', '=', id).where('status', '=', 'waiting').executeTakeFirst();
    return Number(decided.numUpdatedRows) === 1;
  }
}
