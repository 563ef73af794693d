/**
 * R29: how many methods a reset session says it needs. Before the first gate passes every
 * session — a user's, an administrator's, an unknown name's — says no more than the policy
 * says, so the answer names no administrators; an administrator's second gate (R10) is asked
 * for once the first has passed. (A step-up session needs one, and says so.)
 */
export function shownRequiredMethods(session: { gatesPassed: number; requiredMethods: number }, policyRequired: number): number {
  return session.gatesPassed === 0 ? Math.min(session.requiredMethods, policyRequired) : session.requiredMethods;
}
