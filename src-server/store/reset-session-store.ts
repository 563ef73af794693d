import type { Selectable, Transaction } from 'kysely';
import type { ResetMethodType } from '../../shared/api/common.js';
import type { Db, Store } from './db.js';
import { ReusableQuery } from './db.js';
import type { Database } from './schema.js';

type Trx = Transaction<Database>;
type SessionRow = Selectable<Database['reset_sessions']>;
type ChallengeRow = Selectable<Database['challenges']>;

/** A method as a session offers it: a public id that means something only in this session. */
export interface OfferedMethod {
  id: string;
  type: ResetMethodType;
  hint: string;
  /** The stored method id, `dir-*` for directory contact data, `decoy-*` for a decoy's. */
  ref: string;
  /** Directory contact data, sealed, taken when the session started. */
  sealed?: string;
}

/** `setting`: the new password is on its way to the directory (one write per session). */
export type ResetSessionStatus = 'verifying' | 'ready' | 'setting' | 'completed' | 'cancelled' | 'locked';

/** A reset (or administrator sign-in) session as the server keeps it, its JSON columns decoded. */
export interface StoredResetSession {
  id: string;
  subjectId: string | null;
  /** What throttling counts against: the subject, or the decoy's key for unknown users. */
  throttleKey: string;
  username: string;
  decoy: boolean;
  status: ResetSessionStatus;
  requiredMethods: number;
  gatesPassed: number;
  passedMethodIds: string[];
  offered: OfferedMethod[];
  client: string | null;
  createdAt: number;
  expiresAt: number;
  /** While `setting`: when the write's claim lapses. */
  claimUntil: number | null;
}

/** A password write to an external directory whose outcome is not known yet. */
export interface PasswordIntent {
  sessionId: string;
  userId: string;
  /** What the completion needs, sealed (it carries the notices' addresses). */
  sealed: string;
  createdAt: number;
  expiresAt: number;
}

export type ChallengeStatus = 'pending' | 'used' | 'spent' | 'denied' | 'superseded';

/** One challenge of a session, its `data` decoded; `seq` orders challenges sharing a millisecond. */
export interface StoredChallenge {
  id: string;
  sessionId: string;
  methodId: string;
  type: ResetMethodType;
  codeHash: string | null;
  data: Record<string, unknown>;
  seq: number;
  status: ChallengeStatus;
  createdAt: number;
  expiresAt: number;
}

function toSession(row: SessionRow): StoredResetSession {
  return {
    id: row.id,
    subjectId: row.subject_id,
    throttleKey: row.throttle_key,
    username: row.username,
    decoy: row.decoy === 1,
    status: row.state as ResetSessionStatus,
    requiredMethods: row.required_methods,
    gatesPassed: row.gates_passed,
    passedMethodIds: JSON.parse(row.passed_method_ids) as string[],
    offered: JSON.parse(row.offered) as OfferedMethod[],
    client: row.client,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
    claimUntil: row.claim_until === null ? null : Number(row.claim_until),
  };
}

function toChallenge(row: ChallengeRow): StoredChallenge {
  const { seq, ...data } = JSON.parse(row.data) as Record<string, unknown> & { seq?: number };
  return {
    id: row.id,
    sessionId: row.session_id,
    methodId: row.method_id,
    type: row.type as ResetMethodType,
    codeHash: row.code_hash,
    data,
    seq: Number(seq ?? 0),
    status: row.status as ChallengeStatus,
    createdAt: Number(row.created_at),
    expiresAt: Number(row.expires_at),
  };
}

type GateColumns = Pick<SessionRow, 'gates_passed' | 'required_methods' | 'passed_method_ids' | 'offered'>;

/** The steps every reset takes, compiled once per store (see ReusableQuery). */
const Q = {
  session: new ReusableQuery<{ tokenHash: string }, SessionRow>((db, v) => db.selectFrom('reset_sessions').selectAll().where('token_hash', '=', v.tokenHash)),
  insertSession: new ReusableQuery<SessionRow, never>((db, v) =>
    db.insertInto('reset_sessions').values({
      id: v.id,
      token_hash: v.token_hash,
      subject_id: v.subject_id,
      throttle_key: v.throttle_key,
      username: v.username,
      decoy: v.decoy,
      state: v.state,
      required_methods: v.required_methods,
      gates_passed: v.gates_passed,
      passed_method_ids: v.passed_method_ids,
      offered: v.offered,
      client: v.client,
      created_at: v.created_at,
      expires_at: v.expires_at,
      completed_at: v.completed_at,
      claim_until: v.claim_until,
    }),
  ),
  gates: new ReusableQuery<{ id: string }, GateColumns>((db, v) =>
    db.selectFrom('reset_sessions').select(['gates_passed', 'required_methods', 'passed_method_ids', 'offered']).where('id', '=', v.id),
  ),
  gatesForUpdate: new ReusableQuery<{ id: string }, GateColumns>((db, v) =>
    db.selectFrom('reset_sessions').select(['gates_passed', 'required_methods', 'passed_method_ids', 'offered']).where('id', '=', v.id).forUpdate(),
  ),
  passGate: new ReusableQuery<{ id: string; gatesPassed: number; passed: string }, never>((db, v) =>
    db.updateTable('reset_sessions').set({ gates_passed: v.gatesPassed, passed_method_ids: v.passed }).where('id', '=', v.id),
  ),
  passLastGate: new ReusableQuery<{ id: string; gatesPassed: number; passed: string }, never>((db, v) =>
    db.updateTable('reset_sessions').set({ gates_passed: v.gatesPassed, passed_method_ids: v.passed, state: 'ready' }).where('id', '=', v.id),
  ),
  challenge: new ReusableQuery<{ id: string; sessionId: string }, ChallengeRow>((db, v) => db.selectFrom('challenges').selectAll().where('id', '=', v.id).where('session_id', '=', v.sessionId)),
  pendingChallenges: new ReusableQuery<{ sessionId: string; methodId: string }, { id: string }>((db, v) =>
    db.selectFrom('challenges').select('id').where('session_id', '=', v.sessionId).where('method_id', '=', v.methodId).where('status', '=', 'pending'),
  ),
  challengeCount: new ReusableQuery<{ sessionId: string }, { n: number | string }>((db, v) =>
    db.selectFrom('challenges').select((eb) => eb.fn.countAll<number | string>().as('n')).where('session_id', '=', v.sessionId),
  ),
  insertChallenge: new ReusableQuery<ChallengeRow, never>((db, v) =>
    db.insertInto('challenges').values({
      id: v.id,
      session_id: v.session_id,
      method_id: v.method_id,
      type: v.type,
      code_hash: v.code_hash,
      data: v.data,
      status: v.status,
      created_at: v.created_at,
      expires_at: v.expires_at,
      used_at: v.used_at,
    }),
  ),
  useChallenge: new ReusableQuery<{ id: string; now: number }, never>((db, v) =>
    db.updateTable('challenges').set({ status: 'used', used_at: v.now }).where('id', '=', v.id).where('status', '=', 'pending'),
  ),
};

/**
 * The one place that knows the `reset_sessions`, `admin_sign_in_sessions` and `challenges`
 * tables: rows in, decoded records out. The rules about them live in the flows.
 */
export class ResetSessionStore {
  private readonly db: Db;
  private readonly lockRows: boolean;

  constructor(store: Pick<Store, 'db' | 'dialect'>) {
    this.db = store.db;
    // SQLite serialises writers; PostgreSQL needs the row locked so concurrent gates add up.
    this.lockRows = store.dialect === 'postgres';
  }

  // ---- sessions ----

  /** `stepUp`: a signed-in user's proof of a method before a change of methods (R26), bound to their sign-in. */
  async create(trx: Trx, session: Omit<StoredResetSession, 'claimUntil'> & { tokenHash: string }, options: { adminSignIn?: boolean; stepUp?: { signInId: string } } = {}): Promise<void> {
    await Q.insertSession.run(trx, {
      id: session.id,
      token_hash: session.tokenHash,
      subject_id: session.subjectId,
      throttle_key: session.throttleKey,
      username: session.username,
      decoy: session.decoy ? 1 : 0,
      state: session.status,
      required_methods: session.requiredMethods,
      gates_passed: session.gatesPassed,
      passed_method_ids: JSON.stringify(session.passedMethodIds),
      offered: JSON.stringify(session.offered),
      client: session.client,
      created_at: session.createdAt,
      expires_at: session.expiresAt,
      completed_at: null,
      claim_until: null,
    });
    if (options.adminSignIn) await trx.insertInto('admin_sign_in_sessions').values({ session_id: session.id, created_at: session.createdAt }).execute();
    if (options.stepUp && session.subjectId) await trx.insertInto('step_up_sessions').values({ session_id: session.id, subject_id: session.subjectId, sign_in_id: options.stepUp.signInId, created_at: session.createdAt }).execute();
  }

  /** The step-up session behind a token and the sign-in it belongs to; any other session is none. */
  async stepUpByTokenHash(tokenHash: string): Promise<(StoredResetSession & { signInId: string }) | null> {
    const row = await this.db
      .selectFrom('reset_sessions')
      .innerJoin('step_up_sessions', 'step_up_sessions.session_id', 'reset_sessions.id')
      .selectAll('reset_sessions')
      .select('step_up_sessions.sign_in_id')
      .where('reset_sessions.token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row ? { ...toSession(row), signInId: row.sign_in_id } : null;
  }

  async byTokenHash(tokenHash: string): Promise<StoredResetSession | null> {
    const row = await Q.session.first(this.db, { tokenHash });
    return row ? toSession(row) : null;
  }

  async byId(id: string): Promise<StoredResetSession | null> {
    const row = await this.db.selectFrom('reset_sessions').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toSession(row) : null;
  }

  /** The administrator sign-in session behind a token; an ordinary reset session is none. */
  async adminSignInByTokenHash(tokenHash: string): Promise<StoredResetSession | null> {
    const row = await this.db
      .selectFrom('reset_sessions')
      .innerJoin('admin_sign_in_sessions', 'admin_sign_in_sessions.session_id', 'reset_sessions.id')
      .selectAll('reset_sessions')
      .where('reset_sessions.token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row ? toSession(row) : null;
  }

  /** The gate columns of a session inside `trx`, locked where the dialect needs it. */
  async gatesForUpdate(trx: Trx, id: string): Promise<Pick<StoredResetSession, 'gatesPassed' | 'requiredMethods' | 'passedMethodIds' | 'offered'> | null> {
    const row = await (this.lockRows ? Q.gatesForUpdate : Q.gates).first(trx, { id });
    if (!row) return null;
    return { gatesPassed: row.gates_passed, requiredMethods: row.required_methods, passedMethodIds: JSON.parse(row.passed_method_ids) as string[], offered: JSON.parse(row.offered) as OfferedMethod[] };
  }

  /** Records one more gate; the last one makes the session `ready`. */
  async recordGate(trx: Trx, id: string, gatesPassed: number, passedMethodIds: string[], last: boolean): Promise<void> {
    await (last ? Q.passLastGate : Q.passGate).run(trx, { id, gatesPassed, passed: JSON.stringify(passedMethodIds) });
  }

  /** Moves a session to `to` (only from one of `from`, when given); false when another request moved it first. */
  async moveStatus(conn: Db | Trx, id: string, from: ResetSessionStatus[] | 'any', to: ResetSessionStatus, at?: { completedAt?: number; expiresAt?: number }): Promise<boolean> {
    let update = conn
      .updateTable('reset_sessions')
      .set({ state: to, ...(at?.completedAt !== undefined ? { completed_at: at.completedAt } : {}), ...(at?.expiresAt !== undefined ? { expires_at: at.expiresAt } : {}) })
      .where('id', '=', id);
    if (from !== 'any') update = update.where('state', 'in', from);
    const moved = await update.executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  /**
   * Claims the session for one password write until `until`: from `verifying`/`ready`, or from
   * a `setting` claim that lapsed (its holder crashed or gave up). False when another holds it.
   */
  async claimForWrite(conn: Db | Trx, id: string, now: number, until: number): Promise<boolean> {
    const moved = await conn
      .updateTable('reset_sessions')
      .set({ state: 'setting', claim_until: until })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('state', 'in', ['verifying', 'ready']), eb.and([eb('state', '=', 'setting'), eb('claim_until', '<', now)])]))
      .executeTakeFirst();
    return Number(moved.numUpdatedRows) === 1;
  }

  // ---- password intents (external directories) ----

  /** Records, before the directory write, that a password is on its way for this session. */
  async recordIntent(conn: Db | Trx, intent: PasswordIntent): Promise<void> {
    await conn
      .insertInto('password_intents')
      .values({ session_id: intent.sessionId, user_id: intent.userId, detail: intent.sealed, created_at: intent.createdAt, expires_at: intent.expiresAt })
      .onConflict((oc) => oc.column('session_id').doUpdateSet({ user_id: intent.userId, detail: intent.sealed, created_at: intent.createdAt, expires_at: intent.expiresAt }))
      .execute();
  }

  async intentFor(sessionId: string): Promise<PasswordIntent | null> {
    const r = await this.db.selectFrom('password_intents').selectAll().where('session_id', '=', sessionId).executeTakeFirst();
    return r ? { sessionId: r.session_id, userId: r.user_id, sealed: r.detail, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at) } : null;
  }

  /** Intents still open, oldest first (a crash, or a directory that stopped answering). */
  async openIntents(limit: number): Promise<PasswordIntent[]> {
    const rows = await this.db.selectFrom('password_intents').selectAll().orderBy('created_at').limit(limit).execute();
    return rows.map((r) => ({ sessionId: r.session_id, userId: r.user_id, sealed: r.detail, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at) }));
  }

  /** Closes an intent; false when another instance (or request) closed it first. */
  async dropIntent(conn: Db | Trx, sessionId: string): Promise<boolean> {
    const r = await conn.deleteFrom('password_intents').where('session_id', '=', sessionId).executeTakeFirst();
    return Number(r.numDeletedRows) === 1;
  }

  // ---- challenges ----

  async challenge(id: string, sessionId: string): Promise<StoredChallenge | null> {
    const row = await Q.challenge.first(this.db, { id, sessionId });
    return row ? toChallenge(row) : null;
  }

  async challengeById(id: string): Promise<StoredChallenge | null> {
    const row = await this.db.selectFrom('challenges').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toChallenge(row) : null;
  }

  /** The session's most recent challenge (by time, then by `seq` within a millisecond). */
  async latestChallenge(sessionId: string): Promise<StoredChallenge | null> {
    const recent = (await this.db.selectFrom('challenges').selectAll().where('session_id', '=', sessionId).orderBy('created_at', 'desc').limit(20).execute()).map(toChallenge);
    return recent.sort((a, b) => b.createdAt - a.createdAt || b.seq - a.seq)[0] ?? null;
  }

  /** Adds a pending challenge, numbered after the session's earlier ones. */
  async addChallenge(trx: Trx, challenge: Omit<StoredChallenge, 'seq' | 'status'>): Promise<void> {
    const { n } = (await Q.challengeCount.first(trx, { sessionId: challenge.sessionId }))!;
    await Q.insertChallenge.run(trx, {
      id: challenge.id,
      session_id: challenge.sessionId,
      method_id: challenge.methodId,
      type: challenge.type,
      code_hash: challenge.codeHash,
      data: JSON.stringify({ ...challenge.data, seq: Number(n) + 1 }),
      status: 'pending',
      created_at: challenge.createdAt,
      expires_at: challenge.expiresAt,
      used_at: null,
    });
  }

  /** Settles a pending challenge; false when it was no longer pending (another request won). */
  async settleChallenge(trx: Trx, id: string, status: 'used' | 'denied', now: number): Promise<boolean> {
    if (status === 'used') return (await Q.useChallenge.affected(trx, { id, now })) === 1;
    const settled = await trx.updateTable('challenges').set({ status, used_at: now }).where('id', '=', id).where('status', '=', 'pending').executeTakeFirst();
    return Number(settled.numUpdatedRows) === 1;
  }

  /** A wrong answer spends the challenge (a question draw is never answered twice). */
  async spendChallenge(trx: Trx, id: string): Promise<void> {
    await trx.updateTable('challenges').set({ status: 'spent' }).where('id', '=', id).execute();
  }

  /**
   * Ends a session's pending challenges (of one offered method, or all of them) and expires
   * the push approvals still waiting on them.
   */
  async supersedeChallenges(trx: Trx, sessionId: string, methodId?: string): Promise<void> {
    const pending =
      methodId === undefined
        ? await trx.selectFrom('challenges').select('id').where('session_id', '=', sessionId).where('status', '=', 'pending').execute()
        : await Q.pendingChallenges.rows(trx, { sessionId, methodId });
    const ids = pending.map((c) => c.id);
    if (!ids.length) return;
    await trx.updateTable('challenges').set({ status: 'superseded' }).where('id', 'in', ids).execute();
    await trx.updateTable('approvals').set({ status: 'expired' }).where('challenge_id', 'in', ids).where('status', '=', 'waiting').execute();
  }
}
