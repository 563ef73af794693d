import type { Transaction } from 'kysely';
import type { Db } from './db.js';
import type { Database } from './schema.js';

type Conn = Db | Transaction<Database>;
export type ApiTokenRow = Database['api_tokens'];

/** R38: the rows behind API tokens. Only the lookup id and the hash of the whole token are kept. */
export class ApiTokenStore {
  constructor(private readonly db: Db) {}

  /** False when the name is taken (names are audit actors: one name, one token, for good). */
  async insert(conn: Conn, row: ApiTokenRow): Promise<boolean> {
    const r = await conn.insertInto('api_tokens').values(row).onConflict((oc) => oc.column('name').doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
  }

  async find(id: string): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The tokens not revoked, newest first (expired ones too: the list shows they lapsed). */
  async listLive(): Promise<ApiTokenRow[]> {
    return this.db.selectFrom('api_tokens').selectAll().where('revoked_at', 'is', null).orderBy('created_at', 'desc').orderBy('name').execute();
  }

  async markUsed(conn: Conn, id: string, at: number): Promise<void> {
    await conn.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  /** The revoked row, or undefined when there is no live token of that id. */
  async revoke(conn: Conn, id: string, at: number): Promise<ApiTokenRow | undefined> {
    const r = await conn.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return undefined;
    return conn.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }
}
