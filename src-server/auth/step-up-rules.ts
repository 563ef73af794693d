/** R26: a step-up proof is good for ten minutes, in the sign-in that made it. */
export const STEP_UP_TTL_MS = 10 * 60_000;

export type MethodChangeVerdict =
  | { allowed: true; by: 'stepUp' | 'firstMethods' }
  | { allowed: false; reason: 'stepUpNeeded' | 'administratorNeedsPass' | 'passNeeded' | 'signInUnbound' };

/**
 * R26, R27: may this sign-in change the user's methods (add, replace, remove, reconfirm)?
 * A fresh step-up always may. Without one, only an ordinary user holding no usable method,
 * and only when the policy lets first methods be registered with the password alone.
 * An administrator's first methods always need a Temporary Access Pass.
 */
export function methodChangeVerdict(input: {
  isAdmin: boolean;
  /** Usable methods the user holds (any type: questions too keep the password from sufficing). */
  usableMethods: number;
  /** When this sign-in last stepped up (epoch ms), or null. */
  provenAt: number | null;
  /** False for tokens not bound to a sign-in (nothing to bind a step-up to). */
  boundToSignIn: boolean;
  firstMethodsWithPassword: boolean;
  now: Date;
}): MethodChangeVerdict {
  if (input.provenAt !== null && input.now.getTime() - input.provenAt <= STEP_UP_TTL_MS && input.provenAt <= input.now.getTime()) return { allowed: true, by: 'stepUp' };
  if (input.usableMethods > 0) return { allowed: false, reason: input.boundToSignIn ? 'stepUpNeeded' : 'signInUnbound' };
  if (input.isAdmin) return { allowed: false, reason: 'administratorNeedsPass' };
  if (!input.firstMethodsWithPassword) return { allowed: false, reason: 'passNeeded' };
  return { allowed: true, by: 'firstMethods' };
}
