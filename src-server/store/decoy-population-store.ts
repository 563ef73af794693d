import type { Clock } from '../clock.js';
import type { Population } from '../methods/decoy-population.js';
import type { Db } from './db.js';

const KEY = 'decoy-population';

/** How old the copy in memory may get before the row is read again (another instance may have recounted). */
export const POPULATION_REFRESH_MS = 30_000;

/**
 * Where the population counts behind decoys (methods/decoy-population.ts) are kept: one
 * settings row, shared by every instance. Identify reads them on every request, so they are
 * kept in memory: only the very first read waits for the database; after that a copy older
 * than `refreshMs` is still answered at once while one read (never more, however many
 * requests arrive) fetches the row again. So no identify ever waits on this row after start,
 * real or not (R13b timing), and a store outage leaves the last counts in use.
 */
export class DecoyPopulationStore {
  private cached: { population: Population | null; readAt: number } | null = null;
  private reading: Promise<Population | null> | null = null;
  /** Bumped by `put`, so a read that began before it cannot bring the older counts back. */
  private generation = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly refreshMs = POPULATION_REFRESH_MS,
  ) {}

  async get(): Promise<Population | null> {
    if (!this.cached) return this.read();
    if (this.clock.now().getTime() - this.cached.readAt >= this.refreshMs) {
      // A failed refresh keeps the copy in memory; the next request tries again.
      this.read().catch(() => undefined);
    }
    return this.cached.population;
  }

  /** The one read in flight, or a new one. */
  private read(): Promise<Population | null> {
    this.reading ??= (async () => {
      const generation = this.generation;
      try {
        const row = await this.db.selectFrom('settings').select('value').where('key', '=', KEY).executeTakeFirst();
        const population = row ? (JSON.parse(row.value) as Population) : null;
        if (generation !== this.generation) return this.cached!.population;
        this.cached = { population, readAt: this.clock.now().getTime() };
        return population;
      } finally {
        this.reading = null;
      }
    })();
    return this.reading;
  }

  async put(population: Population, at: number): Promise<void> {
    const value = JSON.stringify(population);
    await this.db
      .insertInto('settings')
      .values({ key: KEY, value, updated_at: at })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at }))
      .execute();
    this.generation++;
    this.cached = { population, readAt: this.clock.now().getTime() };
  }
}
