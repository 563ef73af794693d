/**
 * Logon mode (`--logon`): the contract a native sign-in-screen component starts the app
 * with (docs/logon-integration.md). Reset and unlock only; the process exit code tells the
 * native part what happened. Pure: the flag, the codes, and the outcome from what the
 * handler table answered.
 */
import type { IpcChannel, IpcResult } from '../../shared/ipc/contract.js';

const LOGON_FLAG = '--logon';

/** The documented exit codes (stable: native components switch on them). */
export const LOGON_EXIT_CODES = {
  /** The password was reset (and the account unlocked), or only unlocked (R37): sign in. */
  resetDone: 0,
  /** The app could not run (bad install, no display, an internal error). */
  failed: 1,
  /** The person left without resetting. */
  cancelled: 2,
  /** The password service could not be reached (network, DNS, TLS, server down). */
  serverUnreachable: 3,
  /** Reset is paused for this account after too many attempts (R11): call the helpdesk. */
  lockedOut: 4,
} as const;
type LogonOutcome = keyof typeof LOGON_EXIT_CODES;

export function isLogonLaunch(argv: readonly string[]): boolean {
  return argv.includes(LOGON_FLAG);
}

/**
 * Follows the handler table's answers in logon mode: a successful `reset:setPassword` or
 * `reset:unlock` is a reset done (the person can sign in); otherwise the last failure that explains leaving (unreachable, locked out).
 */
export class LogonOutcomeTracker {
  private done = false;
  private lastProblem: 'serverUnreachable' | 'lockedOut' | null = null;

  observe(channel: IpcChannel, result: IpcResult<unknown>): void {
    if ((channel === 'reset:setPassword' || channel === 'reset:unlock') && result.ok) this.done = true;
    if (result.ok) {
      // The server answered: an earlier network failure no longer explains anything.
      if (this.lastProblem === 'serverUnreachable') this.lastProblem = null;
      return;
    }
    const code = result.error.code;
    if (code === 'network' || code === 'timeout' || code === 'not_configured' || code === 'insecure_server_url') this.lastProblem = 'serverUnreachable';
    else if (code === 'locked_out' || code === 'rate_limited') this.lastProblem = 'lockedOut';
  }

  outcome(): LogonOutcome {
    if (this.done) return 'resetDone';
    return this.lastProblem ?? 'cancelled';
  }

  exitCode(): number {
    return LOGON_EXIT_CODES[this.outcome()];
  }
}
