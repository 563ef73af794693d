import type { Transaction } from 'kysely';
import type { Db } from './db.js';
import type { Database } from './schema.js';

type Trx = Transaction<Database>;
type ChallengeRow = Database['challenges'];

/**
 * What registration keeps besides the methods: each user's `registrations` row (when they
 * last confirmed their methods, R6) and the proof codes of methods just added, kept with the
 * challenges under a per-user pseudo-session.
 */
export class RegistrationStore {
  constructor(private readonly db: Db) {}

  async touch(trx: Trx, subjectId: string, confirmed: boolean, now: number): Promise<void> {
    const set = confirmed ? { confirmed_at: now, updated_at: now } : { updated_at: now };
    await trx
      .insertInto('registrations')
      .values({ subject_id: subjectId, confirmed_at: confirmed ? now : null, updated_at: now })
      .onConflict((oc) => oc.column('subject_id').doUpdateSet(set))
      .execute();
  }

  async confirmedAt(subjectId: string): Promise<number | null> {
    const row = await this.db.selectFrom('registrations').select('confirmed_at').where('subject_id', '=', subjectId).executeTakeFirst();
    return row?.confirmed_at ?? null;
  }

  async remove(trx: Trx, subjectId: string): Promise<void> {
    await trx.deleteFrom('registrations').where('subject_id', '=', subjectId).execute();
  }

  async insertProof(trx: Trx, row: ChallengeRow): Promise<void> {
    await trx.insertInto('challenges').values(row).execute();
  }

  /** The newest pending proof of `methodId` in `sessionId`. */
  async pendingProof(sessionId: string, methodId: string): Promise<ChallengeRow | undefined> {
    return this.db.selectFrom('challenges').selectAll().where('session_id', '=', sessionId).where('method_id', '=', methodId).where('status', '=', 'pending').orderBy('created_at', 'desc').executeTakeFirst();
  }

  /** Conditional: of two parallel right codes only one uses the proof. */
  async useProof(trx: Trx, id: string, now: number): Promise<boolean> {
    const used = await trx.updateTable('challenges').set({ status: 'used', used_at: now }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
    return Number(used.numUpdatedRows) === 1;
  }

  async denyProof(trx: Trx, id: string): Promise<void> {
    await trx.updateTable('challenges').set({ status: 'denied' }).where('id', '=', id).where('status', '=', 'pending').execute();
  }

  async supersedeProofs(trx: Trx, sessionId: string, methodId: string): Promise<void> {
    await trx.updateTable('challenges').set({ status: 'superseded' }).where('session_id', '=', sessionId).where('method_id', '=', methodId).where('status', '=', 'pending').execute();
  }
}
