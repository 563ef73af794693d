import type { Transaction } from 'kysely';
import type { Db } from './db.js';
import type { Database } from './schema.js';

/** R26: when a sign-in last proved a method (or a pass), one row per sign-in. */
export class StepUpStore {
  constructor(private readonly db: Db) {}

  async provenAt(signInId: string, subjectId: string): Promise<number | null> {
    const row = await this.db.selectFrom('step_ups').select('proven_at').where('sign_in_id', '=', signInId).where('subject_id', '=', subjectId).executeTakeFirst();
    return row ? Number(row.proven_at) : null;
  }

  async record(trx: Transaction<Database>, signInId: string, subjectId: string, how: string, now: number): Promise<void> {
    await trx.insertInto('step_ups').values({ sign_in_id: signInId, subject_id: subjectId, proven_at: now, how }).onConflict((oc) => oc.column('sign_in_id').doUpdateSet({ proven_at: now, how, subject_id: subjectId })).execute();
  }
}
