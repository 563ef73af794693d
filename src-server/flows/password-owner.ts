import type { ResetSessionView } from '../../shared/api/reset.js';
import { DirectoryUnavailableError, type Directory } from '../directory/directory.js';

/**
 * The inputs of the name rule (R18b), for the app's live checklist; only once every gate is
 * passed. Advice only: a directory that is down leaves it out rather than fail the state.
 */
export async function passwordOwner(directory: Directory, subjectId: string | null): Promise<Pick<ResetSessionView, 'passwordOwner'>> {
  const unavailable = (err: unknown) => {
    if (err instanceof DirectoryUnavailableError) return null;
    throw err;
  };
  const user = subjectId ? await directory.findUserById(subjectId).catch(unavailable) : null;
  return user ? { passwordOwner: { username: user.username, displayName: user.displayName, email: user.email } } : {};
}
