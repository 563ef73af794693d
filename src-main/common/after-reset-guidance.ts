/**
 * After a reset, what this device needs next: the OS's own step when the account is the one
 * signed in here (or the reset was done at this computer's sign-in screen), and always the
 * other devices that still hold the old password. Pure: platform and names in, steps out.
 */
import type { AfterResetGuidance } from '../../shared/ipc/contract.js';

/** `CONTOSO\taro`, `taro@contoso.example` and `Taro` are one account name. */
export function accountName(name: string): string {
  return name.trim().replace(/^.*\\/, '').replace(/@.*$/, '').toLowerCase();
}

export function afterResetGuidance(input: { platform: string; logon: boolean; kiosk: boolean; username: string; osUsername: string | null }): AfterResetGuidance {
  // A kiosk is nobody's computer; at the sign-in screen the reset is for this computer's user.
  const thisComputer = input.logon || (!input.kiosk && input.osUsername !== null && accountName(input.username) === accountName(input.osUsername));
  const osStep: AfterResetGuidance['steps'][number] | null = input.platform === 'win32' ? 'windows-cached-credentials' : input.platform === 'darwin' ? 'macos-login-keychain' : input.platform === 'linux' ? 'linux-cached-credentials' : null;
  const steps: AfterResetGuidance['steps'] = thisComputer && osStep ? [osStep, 'other-devices'] : ['other-devices'];
  return { thisComputer, steps };
}
