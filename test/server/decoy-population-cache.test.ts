import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-server/clock.js';
import { countPopulation } from '../../src-server/methods/decoy-population.js';
import { openStore, type Store } from '../../src-server/store/db.js';
import { DecoyPopulationStore, POPULATION_REFRESH_MS } from '../../src-server/store/decoy-population-store.js';

/**
 * R13b: identify reads the decoy population on every request, so it is kept in memory and
 * refreshed in the background; two instances share the row in one real SQLite store.
 */
let store: Store | null = null;
afterEach(async () => {
  await store?.close().catch(() => undefined);
  store = null;
});

const population = (domain: string) => countPopulation(Array.from({ length: 30 }, () => [{ type: 'email' as const, hint: `a•••@${domain}` }]));

describe('decoy population cache', () => {
  it('R13b: answers from memory, picks up another instance\'s count within the refresh time, and never waits on the row after the first read', async () => {
    store = await openStore('sqlite::memory:');
    const clock = new ManualClock();
    const a = new DecoyPopulationStore(store.db, clock);
    const b = new DecoyPopulationStore(store.db, clock);
    expect(await a.get()).toBeNull();
    await b.put(population('one.example'), clock.now().getTime());
    // Within the refresh time, instance a still answers its copy.
    clock.advance(POPULATION_REFRESH_MS - 1);
    expect(await a.get()).toBeNull();
    // Past it: the stale copy is answered at once, the row is read behind it …
    clock.advance(1);
    expect(await a.get()).toBeNull();
    // … and the next request has the new counts.
    await expect.poll(async () => (await a.get())?.counts.emailDomain).toEqual({ 'one.example': 30 });
    // Many requests at once while stale: every one answered from memory.
    await b.put(population('two.example'), clock.now().getTime());
    clock.advance(POPULATION_REFRESH_MS);
    const answers = await Promise.all(Array.from({ length: 20 }, () => a.get()));
    expect(new Set(answers.map((p) => JSON.stringify(p?.counts.emailDomain)))).toEqual(new Set([JSON.stringify({ 'one.example': 30 })]));
    await expect.poll(async () => (await a.get())?.counts.emailDomain).toEqual({ 'two.example': 30 });
  });

  it('R13b: a store that fails leaves the last counts in use', async () => {
    store = await openStore('sqlite::memory:');
    const clock = new ManualClock();
    const a = new DecoyPopulationStore(store.db, clock);
    await a.put(population('kept.example'), clock.now().getTime());
    await store.close();
    clock.advance(POPULATION_REFRESH_MS * 3);
    for (let i = 0; i < 3; i++) expect((await a.get())?.counts.emailDomain).toEqual({ 'kept.example': 30 });
  });
});
