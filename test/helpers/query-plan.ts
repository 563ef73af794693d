import { sql, type Kysely } from 'kysely';

/** SQLite's plan for `query`, its steps joined by ` | `: which index (if any) a query reads. */
export async function queryPlan(db: Kysely<any>, query: string): Promise<string> {
  return (await sql.raw<{ detail: string }>(`explain query plan ${query}`).execute(db)).rows.map((r) => r.detail).join(' | ');
}
