import type { MeStatus } from '../../shared/api/me.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { passwordExpiry } from '../../shared/rules/expiry.js';
import type { DirectoryUser, Directory } from '../directory/directory.js';
import { ProblemError } from '../errors.js';
import type { MethodRecord, MethodStore } from '../store/method-store.js';
import { registrationState } from '../methods/registration-status.js';
import { isInScope } from '../policy/scope.js';
import type { Clock } from '../clock.js';
import type { PolicyStore } from '../store/policy-store.js';
import type { RegistrationStore } from '../store/registration-store.js';

interface MeStatusDependencies {
  clock: Clock;
  directory: Directory;
  methodStore: MethodStore;
  policyStore: PolicyStore;
  registrationStore: Pick<RegistrationStore, 'confirmedAt'>;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Pure: the `/me/status` document from what the directory, the store and the policy say. */
function meStatusOf(input: { user: DirectoryUser; stored: MethodRecord[]; confirmedAt: Date | null; inScope: boolean; policy: PolicyDocument; now: Date }): MeStatus {
  const { user, policy, now } = input;
  const p = user.password;
  const expiry = passwordExpiry({ lastChangedAt: p.lastChangedAt, neverExpires: p.neverExpires, mustChange: p.mustChange, directoryExpiresAt: p.expiresAt }, policy.password, now);
  const reg = registrationState({ user, stored: input.stored, policy, inScope: input.inScope, confirmedAt: input.confirmedAt, now });
  return {
    password: {
      lastChangedAt: iso(p.lastChangedAt),
      expiresAt: iso(expiry.expiresAt),
      daysUntilExpiry: expiry.daysUntilExpiry,
      warn: expiry.warn,
      mustChange: expiry.mustChange,
      warningDays: [...policy.password.expiryWarningDays],
    },
    registration: { ...reg, reconfirmDueAt: iso(reg.reconfirmDueAt) },
    inScope: input.inScope,
    checkedAt: now.toISOString(),
  };
}

/** R5, R6, R15, R16: the policy as it applies to one signed-in user, right now. */
export class MeStatusFlow {
  constructor(private readonly deps: MeStatusDependencies) {}

  async status(subjectId: string): Promise<MeStatus> {
    const deps = this.deps;
    const user = await deps.directory.findUserById(subjectId);
    // The account went away after the token was issued: the token no longer stands for anyone.
    if (!user) throw new ProblemError('unauthorized', 'The account no longer exists.');
    const [policy, stored, confirmed] = await Promise.all([
      deps.policyStore.get(),
      deps.methodStore.list(subjectId),
      deps.registrationStore.confirmedAt(subjectId),
    ]);
    return meStatusOf({
      user,
      stored,
      confirmedAt: confirmed === null ? null : new Date(Number(confirmed)),
      inScope: await isInScope(user, policy, deps.directory),
      policy,
      now: deps.clock.now(),
    });
  }
}
