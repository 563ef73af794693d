import type { AccessPasses } from '../auth/access-passes.js';
import { ProblemError } from '../errors.js';
import type { Db } from '../store/db.js';
import type { ChallengeKind } from './method-kind.js';

/**
 * R39: a Temporary Access Pass as one reset gate, when the policy lets it count. Nothing is
 * sent: the user types the pass an administrator gave them. Offered to every session alike
 * (R13b), so a decoy's is checked the same way — against its throttle key, which is never a
 * user's id, so it never passes.
 */
export function createAccessPassGate({ db, accessPasses }: { db: Db; accessPasses: AccessPasses }): ChallengeKind {
  return {
    answeredWith: 'code',
    verifyCounts: [],
    validateStart(_type, channel) {
      if (channel) throw new ProblemError('invalid_request', 'A Temporary Access Pass takes no channel.');
    },
    async start() {
      return { codeHash: null, data: {}, reply: {}, counts: [], deliver: null };
    },
    async check({ subjectKey, input }) {
      if (!('code' in input)) return false;
      // A one-time pass is used up here, by the first right answer.
      return db.transaction().execute((trx) => accessPasses.redeem(trx, subjectKey, input.code));
    },
  };
}
