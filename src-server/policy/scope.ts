import type { PolicyDocument } from '../../shared/api/policy.js';
import type { Directory, DirectoryUser } from '../directory/directory.js';

/**
 * R1 / R14 / R10: whether a user may use SSPR. Administrators always may: a global
 * administrator can never be blocked from resetting.
 */
export async function isInScope(user: DirectoryUser, policy: PolicyDocument, directory: Directory): Promise<boolean> {
  if (user.isAdmin) return true;
  const scope = policy.sspr.scope;
  if (scope.mode === 'all') return true;
  if (scope.mode === 'none') return false;
  for (const group of scope.groups) {
    if (await directory.isMember(user, group)) return true;
  }
  return false;
}
