import type { Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { ReusableQuery, type Db } from './db.js';
import type { Database } from './schema.js';
import { admit, afterFailure, MAX_WINDOW_MS, THROTTLE_RULES, windowStart, type ThrottleKind, type ThrottleLock, type ThrottleRule } from '../throttle/rules.js';

type Trx = Transaction<Database>;
type Conn = Db | Trx;

/** The one lock that matters: "locked out of reset" (R11a–R11c all lock the same thing). */
const LOCK_KIND = 'reset';
/** A per-key row every decision upserts first, so decisions on one key run one at a time. */
const MUTEX_KIND = 'mutex';

type AttemptResult =
  | {
      allowed: true;
      /** The provisional failure to release when the attempt succeeds. */ failureId: number | null;
      /** Every event this attempt recorded (a send that never left is released). */ recorded: number[];
    }
  | { allowed: false; lockedUntil: number; rule: ThrottleRule['rule']; /** This attempt started the lock. */ tripped: boolean };

interface FailureResult {
  attemptsRemaining: number;
  lockedUntil: number | null;
  /** This failure started the lock. */
  tripped: boolean;
}

/**
 * R11a–R11e: the counters, kept in `throttle_events` and `throttle_locks` and counted
 * inside the caller's transaction. Every decision first upserts the key's mutex row: on
 * PostgreSQL that row lock serialises concurrent transactions on the same key (READ
 * COMMITTED then sees every committed event); on SQLite the write makes the transaction the
 * database's single writer. Either way a count and the insert that follows it are one step,
 * so parallel attempts cannot all see room under the limit.
 *
 * A verification counts as a failure from the moment it is admitted (`attempt` with
 * `failure`) and the failure is released only if it succeeds: a burst of guesses can never
 * run ahead of its own failures.
 */
export class ThrottleStore {
  // Every reset step runs these: compiled once (see ReusableQuery).
  private readonly q = {
    serialize: new ReusableQuery<{ key: string }, never>((db, v) =>
      db
        .insertInto('throttle_locks')
        .values({ throttle_key: v.key, kind: MUTEX_KIND, locked_until: 0, reason: MUTEX_KIND })
        .onConflict((oc) => oc.columns(['throttle_key', 'kind']).doUpdateSet({ reason: MUTEX_KIND })),
    ),
    activeLock: new ReusableQuery<{ key: string; now: number }, { locked_until: number; reason: string }>((db, v) =>
      db.selectFrom('throttle_locks').select(['locked_until', 'reason']).where('throttle_key', '=', v.key).where('kind', '=', LOCK_KIND).where('locked_until', '>', v.now),
    ),
    count: new ReusableQuery<{ key: string; kind: ThrottleKind; since: number }, { n: number | string }>((db, v) =>
      db
        .selectFrom('throttle_events')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('throttle_key', '=', v.key)
        .where('kind', '=', v.kind)
        .where('at', '>', v.since),
    ),
    lock: new ReusableQuery<{ key: string; until: number; rule: string }, never>((db, v) =>
      db
        .insertInto('throttle_locks')
        .values({ throttle_key: v.key, kind: LOCK_KIND, locked_until: v.until, reason: v.rule })
        .onConflict((oc) =>
          oc
            .columns(['throttle_key', 'kind'])
            .doUpdateSet((eb) => ({ locked_until: eb.ref('excluded.locked_until'), reason: eb.ref('excluded.reason') }))
            .where((eb) => eb('throttle_locks.locked_until', '<', eb.ref('excluded.locked_until'))),
        ),
    ),
    record: new ReusableQuery<{ key: string; kind: ThrottleKind; at: number }, { id: number }>((db, v) =>
      db.insertInto('throttle_events').values({ throttle_key: v.key, kind: v.kind, at: v.at }).returning('id'),
    ),
    forget: new ReusableQuery<{ key: string; before: number }, never>((db, v) => db.deleteFrom('throttle_events').where('throttle_key', '=', v.key).where('at', '<', v.before)),
    release: new ReusableQuery<{ key: string; id: number }, never>((db, v) => db.deleteFrom('throttle_events').where('throttle_key', '=', v.key).where('id', '=', v.id)),
  };

  constructor(private readonly clock: Clock) {}

  private async serialize(trx: Trx, key: string): Promise<void> {
    await this.q.serialize.run(trx, { key });
  }

  /** The lock in force for `key`, if any. */
  async activeLock(conn: Conn, key: string): Promise<ThrottleLock | null> {
    const row = await this.q.activeLock.first(conn, { key, now: this.clock.now().getTime() });
    return row ? { until: Number(row.locked_until), rule: row.reason as ThrottleRule['rule'] } : null;
  }

  private async count(trx: Trx, key: string, kind: ThrottleKind, now: number): Promise<number> {
    const row = await this.q.count.first(trx, { key, kind, since: windowStart(kind, now) });
    return Number(row!.n);
  }

  private async lock(trx: Trx, key: string, until: number, rule: ThrottleRule['rule']): Promise<void> {
    await this.q.lock.run(trx, { key, until, rule });
  }

  /**
   * One attempt that counts as `kinds`, decided and recorded inside `trx`. Refused while the
   * key is locked, or when it would take a counter past its limit (which locks).
   */
  async attempt(trx: Trx, key: string, kinds: readonly ThrottleKind[]): Promise<AttemptResult> {
    const now = this.clock.now().getTime();
    await this.serialize(trx, key);
    const lock = await this.activeLock(trx, key);
    const counts = Object.fromEntries(await Promise.all(kinds.map(async (k) => [k, await this.count(trx, key, k, now)] as const))) as Record<ThrottleKind, number>;
    const decision = admit({ counts, kinds, lock, now });
    if (!decision.allowed) {
      if (decision.tripped) await this.lock(trx, key, decision.lockedUntil, decision.rule);
      return decision;
    }
    let failureId: number | null = null;
    const recorded: number[] = [];
    for (const kind of kinds) {
      const row = await this.q.record.first(trx, { key, kind, at: now });
      recorded.push(Number(row!.id));
      if (kind === 'failure') failureId = Number(row!.id);
    }
    await this.q.forget.run(trx, { key, before: now - MAX_WINDOW_MS });
    return { allowed: true, failureId, recorded };
  }

  /** The attempt succeeded: its provisional failure no longer counts. */
  async releaseFailure(trx: Trx, key: string, failureId: number): Promise<void> {
    await this.q.release.run(trx, { key, id: failureId });
  }

  /** Events that must not count after all (a code the relay never took: R11b/R11c). */
  async release(trx: Trx, key: string, ids: number[]): Promise<void> {
    for (const id of ids) await this.q.release.run(trx, { key, id });
  }

  /** The attempt failed (its failure is already recorded): R11a locks at the limit. */
  async settleFailure(trx: Trx, key: string): Promise<FailureResult> {
    const now = this.clock.now().getTime();
    await this.serialize(trx, key);
    const outcome = afterFailure(await this.count(trx, key, 'failure', now), now);
    if (outcome.lockedUntil === null) return { ...outcome, tripped: false };
    const tripped = (await this.activeLock(trx, key)) === null;
    await this.lock(trx, key, outcome.lockedUntil, THROTTLE_RULES.failure.rule);
    return { ...outcome, tripped };
  }

  /** A failure decided elsewhere (a push denied on the companion): recorded, then settled. */
  async recordFailure(trx: Trx, key: string): Promise<FailureResult> {
    await this.serialize(trx, key);
    await this.q.record.run(trx, { key, kind: 'failure', at: this.clock.now().getTime() });
    return this.settleFailure(trx, key);
  }

  /** R11d: a successful reset clears every counter and lock of the key. */
  async clear(trx: Trx, key: string): Promise<void> {
    await trx.deleteFrom('throttle_events').where('throttle_key', '=', key).execute();
    await trx.deleteFrom('throttle_locks').where('throttle_key', '=', key).where('kind', '!=', MUTEX_KIND).execute();
  }
}
