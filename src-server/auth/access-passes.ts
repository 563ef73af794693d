import { randomInt } from 'node:crypto';
import type { Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { hashToken, newId } from '../security/tokens.js';
import type { AccessPassStore } from '../store/access-pass-store.js';
import type { Db } from '../store/db.js';
import type { Database } from '../store/schema.js';

type Conn = Db | Transaction<Database>;

/** No 0/O, 1/I/L: a pass is read out over the phone by a helpdesk. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const LENGTH = 16;

/** `ABCD-EFGH-JKMN-PQRS`: 16 characters of a 31-letter alphabet, about 79 bits. */
function newPass(): string {
  const chars = Array.from({ length: LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]!);
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

/** What the user typed, as it was issued: case and separators do not matter. */
function canonical(pass: string): string {
  return pass.toUpperCase().replace(/[^A-Z0-9]/g, '');
}

/**
 * R31: Temporary Access Passes. Shown once when issued, stored only as a hash; a pass is
 * bound to one user, expires, and is used up by its first use unless issued as reusable.
 */
export class AccessPasses {
  constructor(private readonly deps: { clock: Clock; accessPassStore: AccessPassStore }) {}

  async issue(conn: Conn, input: { subjectId: string; lifetimeMinutes: number; oneTime: boolean; issuedBy: string }): Promise<{ pass: string; expiresAt: Date }> {
    const pass = newPass();
    const now = this.deps.clock.now().getTime();
    const expiresAt = now + input.lifetimeMinutes * 60_000;
    await this.deps.accessPassStore.insert(conn, { id: newId(), subject_id: input.subjectId, pass_hash: hashToken(canonical(pass)), one_time: input.oneTime ? 1 : 0, issued_by: input.issuedBy, created_at: now, expires_at: expiresAt, used_at: null });
    return { pass, expiresAt: new Date(expiresAt) };
  }

  /** True when `pass` is a live pass of this user; a one-time pass is used up in `trx`. */
  async redeem(trx: Transaction<Database>, subjectId: string, pass: string): Promise<boolean> {
    const { clock, accessPassStore } = this.deps;
    const now = clock.now().getTime();
    const row = await accessPassStore.findByHash(trx, hashToken(canonical(pass)));
    if (!row || row.subject_id !== subjectId || Number(row.expires_at) <= now) return false;
    if (!row.one_time) {
      await accessPassStore.markUsed(trx, row.id, now);
      return true;
    }
    return accessPassStore.markUsedOnce(trx, row.id, now);
  }

  /** A new pass replaces the user's earlier live ones: one pass per user at a time. */
  async revokeLive(conn: Conn, subjectId: string): Promise<void> {
    await this.deps.accessPassStore.expireLive(conn, subjectId, this.deps.clock.now().getTime());
  }
}
