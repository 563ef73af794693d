import { BuiltinDirectory, usernameKey } from '../directory/builtin-directory.js';
import type { Directory, DirectoryUser } from '../directory/directory.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { resetEligibility } from './reset-rules.js';
import type { Log } from '../log.js';
import type { PolicyStore } from '../store/policy-store.js';
import { startPeriodic, type PeriodicJob } from '../reports/periodic.js';
import type { DecoyPopulationStore } from '../store/decoy-population-store.js';
import type { Clock } from '../clock.js';
import { countPopulation, type OfferedHint, type Population } from '../methods/decoy-population.js';
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

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** What identify would show this user today, or null when they would get a decoy. */
async function answerOf(user: DirectoryUser | null, deps: CountDependencies, policy: PolicyDocument): Promise<OfferedHint[] | null> {
  if (!user || user.disabled) return null;
  const { usable, reason } = await resetEligibility(user, await deps.methodStore.list(user.id), policy, deps.directory);
  return reason === null ? usable.map((m) => ({ type: m.type, hint: m.hint })) : null;
}

/**
 * Counts what identify shows every user who would get a real answer today (the same
 * eligibility rules as the reset flow), a page at a time with a real event-loop turn between
 * pages. The built-in directory lists its users (so people known only by their directory
 * contacts count too); an LDAP or AD directory is not listed (a search over the whole tree
 * for this would be heavy and needs rights the service account may lack): there the people
 * who registered methods with us are counted, each looked up by id.
 */
async function countResetPopulation(deps: CountDependencies): Promise<Population> {
  const policy = await deps.policyStore.get();
  const answers: OfferedHint[][] = [];
  const keep = (answer: OfferedHint[] | null) => void (answer && answers.push(answer));
  const { directory } = deps;
  let after: string | undefined;
  for (;;) {
    if (directory instanceof BuiltinDirectory) {
      const users = await directory.listUsers({ after, limit: PAGE });
      for (const user of users) keep(await answerOf(user, deps, policy));
      if (users.length < PAGE) break;
      after = usernameKey(users[users.length - 1]!.username);
    } else {
      const subjects = await deps.methodStore.registeredSubjects({ after, limit: PAGE });
      for (const id of subjects) keep(await answerOf(await directory.findUserById(id), deps, policy));
      if (subjects.length < PAGE) break;
      after = subjects[subjects.length - 1];
    }
    await nextTurn();
  }
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
