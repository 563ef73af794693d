import { BuiltinDirectory, usernameKey } from '../directory/builtin-directory.js';
import type { DirectoryUser, Directory } from '../directory/directory.js';
import { registrationState } from '../methods/registration-status.js';
import { isInScope } from '../policy/scope.js';
import type { Clock } from '../clock.js';
import type { CoverageFingerprint } from '../store/coverage-fingerprint.js';
import type { MethodStore } from '../store/method-store.js';
import { nextTurn } from '../event-loop.js';
import type { PolicyStore } from '../store/policy-store.js';

interface CoverageDependencies {
  clock: Clock;
  coverageFingerprint: Pick<CoverageFingerprint, 'current'>;
  directory: Directory;
  methodStore: MethodStore;
  policyStore: PolicyStore;
}

export interface Coverage {
  /** Enabled users SSPR applies to (R1). */
  inScope: number;
  /** Of those, how many hold the methods they need (R4, R10). */
  registered: number;
  /** registered / inScope; null when nobody is in scope. */
  coverage: number | null;
  /** In-scope users who could not reset today, when asked for. */
  unregistered?: string[];
}

/** Pages through every user of a directory that can list them; null when it cannot. */
async function* directoryUsers(dir: Directory): AsyncGenerator<DirectoryUser[]> {
  if (!(dir instanceof BuiltinDirectory)) return;
  let after: string | undefined;
  for (;;) {
    const users = await dir.listUsers({ after, limit: 200 });
    if (users.length) yield users;
    if (users.length < 200) return;
    after = usernameKey(users[users.length - 1]!.username);
  }
}

/**
 * Registration coverage with the same rules the reset flow applies: scope (scope.ts) and
 * usable methods (registration-status.ts). Built-in directory only for now.
 */
export async function registrationCoverage(
  deps: Omit<CoverageDependencies, 'coverageFingerprint'>,
  options: { listUnregistered?: boolean } = {},
): Promise<Coverage | null> {
  if (!(deps.directory instanceof BuiltinDirectory)) return null;
  const policy = await deps.policyStore.get();
  const now = deps.clock.now();
  let inScope = 0;
  let registered = 0;
  const unregistered: string[] = [];
  for await (const page of directoryUsers(deps.directory)) {
    // A real turn of the event loop per page: the store answers synchronously (SQLite), and
    // other requests must not wait for thousands of users to be read.
    await nextTurn();
    for (const user of page) {
      if (user.disabled || !(await isInScope(user, policy, deps.directory))) continue;
      inScope++;
      const stored = await deps.methodStore.list(user.id);
      const state = registrationState({ user, stored, policy, inScope: true, confirmedAt: null, now });
      if (state.registered) registered++;
      else if (options.listUnregistered) unregistered.push(user.username);
    }
  }
  return {
    inScope,
    registered,
    coverage: inScope === 0 ? null : registered / inScope,
    ...(options.listUnregistered ? { unregistered } : {}),
  };
}

/**
 * Coverage for the live dashboard: recomputed only when its fingerprint moves, since reading
 * every user costs about a second per 5,000 users and the dashboard asks on every new event.
 */
export class CoverageTracker {
  private last: { fingerprint: string; coverage: Coverage | null } | null = null;

  constructor(private readonly deps: CoverageDependencies) {}

  async current(): Promise<Coverage | null> {
    if (!(this.deps.directory instanceof BuiltinDirectory)) return null;
    const fingerprint = await this.deps.coverageFingerprint.current();
    if (this.last?.fingerprint === fingerprint) return this.last.coverage;
    const coverage = await registrationCoverage(this.deps);
    this.last = { fingerprint, coverage };
    return coverage;
  }
}
