import { describe, expect, it } from 'vitest';
import { isLogonLaunch, LOGON_EXIT_CODES, LogonOutcomeTracker } from '../../src-main/common/logon-mode.js';
import type { IpcErrorCode } from '../../shared/ipc/contract.js';

const failure = (code: IpcErrorCode) => ({ ok: false as const, error: { code, detail: 'x' } });
const success = { ok: true as const, value: null };

describe('logon mode: launch flag and exit codes', () => {
  it('starts only with --logon', () => {
    expect(isLogonLaunch(['/opt/app/sspr-companion', '--logon'])).toBe(true);
    expect(isLogonLaunch(['/opt/app/sspr-companion', '--hidden'])).toBe(false);
    expect(isLogonLaunch(['/opt/app/sspr-companion', '--logon=false'])).toBe(false);
  });

  it('the documented codes are distinct and stable', () => {
    expect(LOGON_EXIT_CODES).toEqual({ resetDone: 0, failed: 1, cancelled: 2, serverUnreachable: 3, lockedOut: 4 });
  });

  it('nothing happened: cancelled', () => {
    expect(new LogonOutcomeTracker().exitCode()).toBe(LOGON_EXIT_CODES.cancelled);
  });

  it('a reset done wins over anything seen before it', () => {
    const t = new LogonOutcomeTracker();
    t.observe('reset:verify', failure('locked_out'));
    t.observe('reset:setPassword', failure('password_policy'));
    expect(t.outcome()).toBe('lockedOut');
    t.observe('reset:setPassword', success);
    expect(t.exitCode()).toBe(LOGON_EXIT_CODES.resetDone);
  });

  it('R37: an unlock without a new password is a done too (the person signs in with the password they have)', () => {
    const t = new LogonOutcomeTracker();
    t.observe('reset:unlock', failure('conflict'));
    expect(t.outcome()).toBe('cancelled');
    t.observe('reset:unlock', success);
    expect(t.exitCode()).toBe(LOGON_EXIT_CODES.resetDone);
  });

  it('unreachable while the server does not answer; forgotten once it does', () => {
    const t = new LogonOutcomeTracker();
    t.observe('policy:get', failure('network'));
    expect(t.exitCode()).toBe(LOGON_EXIT_CODES.serverUnreachable);
    t.observe('policy:get', success);
    expect(t.exitCode()).toBe(LOGON_EXIT_CODES.cancelled);
    t.observe('reset:start', failure('timeout'));
    expect(t.exitCode()).toBe(LOGON_EXIT_CODES.serverUnreachable);
  });

  it('locked out (R11) stays the outcome after later answers', () => {
    const t = new LogonOutcomeTracker();
    t.observe('reset:start', failure('rate_limited'));
    t.observe('reset:cancel', success);
    expect(t.exitCode()).toBe(LOGON_EXIT_CODES.lockedOut);
    t.observe('reset:verify', failure('invalid_code'));
    expect(t.exitCode()).toBe(LOGON_EXIT_CODES.lockedOut);
  });
});
