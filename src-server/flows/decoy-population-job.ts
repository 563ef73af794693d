import type { Directory, DirectoryUser } from '../directory/directory.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { resetEligibility } from './reset-rules.js';
import type { Log } from '../log.js';
import type { PolicyStore } from '../store/policy-store.js';
import { startPeriodic, type PeriodicJob } from '../reports/periodic.js';
import type { DecoyPopulationStore } from '../store/decoy-population-store.js';
import type { Clock } from '../clock.js';
import { countPopulation, type OfferedHint, type Population } from '../methods/decoy-population.js';
import { nextTurn } from '../event-loop.js';
import type { MethodStore } from '../store/method-store.js';

interface DecoyPopulationDependencies {
  directory: Directory;
  methodStore: MethodStore;
  policyStore: PolicyStore;
  populationStore: DecoyPopulationStore;
  clock: Clock;
  log: Log;
}

const PAGE = 200;

type CountDependencies = Omit<DecoyPopulationDependencies, 'populationStore' | 'clock' | 'log'>;

/** What identify would show this user today, or null when they would get a decoy. */
async function answerOf(user: DirectoryUser | null, deps: CountDependencies, policy: PolicyDocument): Promise<OfferedHint[] | null> {
  if (!user || user.disabled) return null;
  const { usable, reason } = await resetEligibility(user, await deps.methodStore.list(user.id), policy, deps.directory);
  return reason === null ? usable.map((m) => ({ type: m.type, hint: m.hint })) : null;
}

/**
 * Counts what identify shows every user who would get a real answer today (the same
 * eligibility rules as the reset flow), over every account the directory holds (people known
 * only by their directory contacts too), a page at a time with a real event-loop turn between
 * pages.
 */
async function countResetPopulation(deps: CountDependencies): Promise<Population> {
  const policy = await deps.policyStore.get();
  const answers: OfferedHint[][] = [];
  await deps.directory.forEachUser(PAGE, async (users) => {
    for (const user of users) {
      const answer = await answerOf(user, deps, policy);
      if (answer) answers.push(answer);
    }
    await nextTurn();
  });
  return countPopulation(answers);
}

/** Recounts shortly after start and then every six hours. */
export function startDecoyPopulation(deps: DecoyPopulationDependencies): PeriodicJob<Population> {
  return startPeriodic(
    async () => {
      const population = await countResetPopulation(deps);
      await deps.populationStore.put(population, deps.clock.now().getTime());
      return population;
    },
    { firstRunMs: 5_000, intervalMs: 6 * 3_600_000 },
    deps.log,
    'decoy population count',
  );
}
