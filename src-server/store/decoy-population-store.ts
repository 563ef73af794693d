import type { Population } from '../methods/decoy-population.js';
import type { Db } from './db.js';

const KEY = 'decoy-population';

/**
 * Where the population counts behind decoys (methods/decoy-population.ts) are kept: one
 * settings row, shared by every instance. Identify reads it on every unknown name, so it is
 * cached for a minute; the counts change once a day.
 */
export class DecoyPopulationStore {
  private cached: { population: Population | null; at: number } | null = null;

  constructor(private readonly db: Db, private readonly ttlMs = 60_000) {}

  async get(): Promise<Population | null> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.population;
    const row = await this.db.selectFrom('settings').select('value').where('key', '=', KEY).executeTakeFirst();
    const population = row ? (JSON.parse(row.value) as Population) : null;
    this.cached = { population, at: now };
    return population;
  }

  async put(population: Population, at: number): Promise<void> {
    const value = JSON.stringify(population);
    await this.db
      .insertInto('settings')
      .values({ key: KEY, value, updated_at: at })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at }))
      .execute();
    this.cached = { population, at: Date.now() };
  }
}
