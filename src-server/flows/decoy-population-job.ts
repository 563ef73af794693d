import { BuiltinDirectory, usernameKey } from '../directory/builtin-directory.js';
import type { Directory } from '../directory/directory.js';
import { resetEligibility } from './reset-rules.js';
import type { Log } from '../log.js';
import type { PolicyStore } from '../policy/policy-store.js';
import { startPeriodic, type PeriodicJob } from '../reports/periodic.js';
import type { DecoyPopulationStore } from '../store/decoy-population-store.js';
import type { Clock } from '../clock.js';
import { countPopulation, type OfferedHint, type Population } from '../methods/decoy-population.js';
import type { MethodStore } from '../methods/method-store.js';

export interface DecoyPopulationDependencies {
  directory: Directory;
  methodStore: MethodStore;
  policyStore: PolicyStore;
  populationStore: DecoyPopulationStore;
  clock: Clock;
  log: Log;
}

const PAGE = 200;

/**
 * Counts what identify shows every user who would get a real answer today (the same
 * eligibility rules as the reset flow), a page at a time with a real event-loop turn between
 * pages. Only a directory that can list its users is counted (the built-in one); elsewhere
 * decoys stay synthetic.
 */
export async function countResetPopulation(deps: Omit<DecoyPopulationDependencies, 'populationStore' | 'clock' | 'log'>): Promise<Population | null> {
  const { directory, methodStore, policyStore } = deps;
  if (!(directory instanceof BuiltinDirectory)) return null;
  const policy = await policyStore.get();
  const answers: OfferedHint[][] = [];
  let after: string | undefined;
  for (;;) {
    const users = await directory.listUsers({ after, limit: PAGE });
    for (const user of users) {
      if (user.disabled) continue;
      const { usable, reason } = await resetEligibility(user, await methodStore.list(user.id), policy, directory);
      if (reason === null) answers.push(usable.map((m) => ({ type: m.type, hint: m.hint })));
    }
    if (users.length < PAGE) break;
    after = usernameKey(users[users.length - 1]!.username);
    await new Promise((resolve) => setImmediate(resolve));
  }
  return countPopulation(answers);
}

/** Recounts shortly after start and then every six hours. */
export function startDecoyPopulation(deps: DecoyPopulationDependencies): PeriodicJob<Population | null> {
  return startPeriodic(
    async () => {
      const population = await countResetPopulation(deps);
      if (population) await deps.populationStore.put(population, deps.clock.now().getTime());
      return population;
    },
    { firstRunMs: 5_000, intervalMs: 6 * 3_600_000 },
    deps.log,
    'decoy population count',
  );
}
