import type { Transaction } from 'kysely';
import type { MethodType } from '../../shared/api/common.js';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../security/secret-box.js';
import { newId } from '../security/tokens.js';
import { ReusableQuery, type Db } from './db.js';
import type { Database } from './schema.js';

/** What each method type keeps, sealed with the SecretBox at rest (R7, R9e). */
export interface MethodData {
  email: { address: string };
  mobilePhone: { number: string };
  officePhone: { number: string };
  authenticatorCode: { secret: string; algorithm: 'SHA1' | 'SHA256' | 'SHA512'; digits: number; period: number };
  authenticatorPush: { publicKey: string; deviceName: string };
  /** `text`: a custom question's wording at registration, kept if the policy drops it later. */
  securityQuestions: { questions: Array<{ questionId: string; answerHash: string; text?: string }> };
}

export type MethodSource = 'user' | 'admin' | 'directory';

export interface MethodRecord<T extends MethodType = MethodType> {
  id: string;
  subjectId: string;
  type: T;
  source: MethodSource;
  verified: boolean;
  hint: string;
  data: MethodData[T];
  createdAt: Date;
  verifiedAt: Date | null;
  lastUsedStep: number | null;
}

type Conn = Db | Transaction<Database>;

/** The `methods` table: every registered method of every subject, secrets sealed. */
export class MethodStore {
  // Every reset reads methods, and every authenticator code claims a step: compiled once.
  private readonly q = {
    list: new ReusableQuery<{ subjectId: string }, Database['methods']>((db, v) => db.selectFrom('methods').selectAll().where('subject_id', '=', v.subjectId).orderBy('created_at').orderBy('id')),
    verifiedEmails: new ReusableQuery<{ subjectId: string }, Pick<Database['methods'], 'data'>>((db, v) =>
      db.selectFrom('methods').select('data').where('subject_id', '=', v.subjectId).where('type', '=', 'email').where('verified', '=', 1).orderBy('created_at').orderBy('id'),
    ),
    get: new ReusableQuery<{ subjectId: string; id: string }, Database['methods']>((db, v) => db.selectFrom('methods').selectAll().where('subject_id', '=', v.subjectId).where('id', '=', v.id)),
    claimStep: new ReusableQuery<{ subjectId: string; id: string; step: number }, never>((db, v) =>
      db
        .updateTable('methods')
        .set({ last_used_step: v.step })
        .where('subject_id', '=', v.subjectId)
        .where('id', '=', v.id)
        .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', v.step)])),
    ),
  };

  /** Opened on a miss of `get`, so a miss costs what a hit does (a decoy's method, R13b). */
  private readonly missFiller: string;

  constructor(private readonly db: Db, private readonly box: SecretBox, private readonly clock: Clock) {
    this.missFiller = box.sealJson({ address: 'nobody.at.all@mail.example' } satisfies MethodData['email']);
  }

  private toRecord(row: Database['methods']): MethodRecord {
    return {
      id: row.id,
      subjectId: row.subject_id,
      type: row.type as MethodType,
      source: row.source as MethodSource,
      verified: row.verified === 1,
      hint: row.hint,
      data: this.box.openJson(row.data),
      createdAt: new Date(Number(row.created_at)),
      verifiedAt: row.verified_at === null ? null : new Date(Number(row.verified_at)),
      lastUsedStep: row.last_used_step === null ? null : Number(row.last_used_step),
    };
  }

  async list(subjectId: string, conn: Conn = this.db): Promise<MethodRecord[]> {
    const rows = await this.q.list.rows(conn, { subjectId });
    return rows.map((r) => this.toRecord(r));
  }

  /** The addresses of the subject's verified email methods, and nothing else unsealed (R32's notices). */
  async verifiedEmailAddresses(subjectId: string, conn: Conn = this.db): Promise<string[]> {
    const rows = await this.q.verifiedEmails.rows(conn, { subjectId });
    return rows.map((r) => this.box.openJson<MethodData['email']>(r.data).address);
  }

  async get(subjectId: string, id: string, conn: Conn = this.db): Promise<MethodRecord | null> {
    const row = await this.q.get.first(conn, { subjectId, id });
    if (row) return this.toRecord(row);
    this.box.openJson(this.missFiller);
    return null;
  }

  async insert<T extends MethodType>(
    conn: Conn,
    m: { subjectId: string; type: T; source: MethodSource; verified: boolean; hint: string; data: MethodData[T] },
  ): Promise<MethodRecord<T>> {
    const now = this.clock.now().getTime();
    const id = newId();
    await conn
      .insertInto('methods')
      .values({
        id,
        subject_id: m.subjectId,
        type: m.type,
        source: m.source,
        verified: m.verified ? 1 : 0,
        hint: m.hint,
        data: this.box.sealJson(m.data),
        created_at: now,
        verified_at: m.verified ? now : null,
        last_used_step: null,
      })
      .execute();
    return { ...m, id, createdAt: new Date(now), verifiedAt: m.verified ? new Date(now) : null, lastUsedStep: null } as MethodRecord<T>;
  }

  async markVerified(conn: Conn, subjectId: string, id: string): Promise<void> {
    await conn.updateTable('methods').set({ verified: 1, verified_at: this.clock.now().getTime() }).where('subject_id', '=', subjectId).where('id', '=', id).execute();
  }

  async remove(conn: Conn, subjectId: string, id: string): Promise<boolean> {
    const r = await conn.deleteFrom('methods').where('subject_id', '=', subjectId).where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async removeType(conn: Conn, subjectId: string, type: MethodType, source?: MethodSource): Promise<void> {
    let q = conn.deleteFrom('methods').where('subject_id', '=', subjectId).where('type', '=', type);
    if (source) q = q.where('source', '=', source);
    await q.execute();
  }

  /** Every other method of `type` from `source`: a proven method replaces them (one address, one phone). */
  async removeTypeBut(trx: Transaction<Database>, subjectId: string, type: MethodType, source: MethodSource, keepId: string): Promise<void> {
    await trx.deleteFrom('methods').where('subject_id', '=', subjectId).where('type', '=', type).where('source', '=', source).where('id', '!=', keepId).execute();
  }

  /** Everything of a deleted account (R7). */
  async removeAll(trx: Transaction<Database>, subjectId: string): Promise<void> {
    await trx.deleteFrom('methods').where('subject_id', '=', subjectId).execute();
  }

  /**
   * TOTP one-use-per-step: records `step` only if it is newer than the last accepted one.
   * Atomic in the database, so two parallel uses of one code cannot both pass.
   */
  async claimTotpStep(subjectId: string, id: string, step: number, conn: Conn = this.db): Promise<boolean> {
    return (await this.q.claimStep.affected(conn, { subjectId, id, step })) === 1;
  }
}
