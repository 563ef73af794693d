import { describe, expect, it } from 'vitest';
import { accountName, afterResetGuidance } from '../../src-main/common/after-reset-guidance.js';

const base = { logon: false, kiosk: false, username: 'taro', osUsername: 'taro' };

describe('after-reset guidance on this device (issue 13 item 3)', () => {
  it.each([
    ['win32', 'windows-cached-credentials'],
    ['darwin', 'macos-login-keychain'],
    ['linux', 'linux-cached-credentials'],
  ])('%s, the account signed in here: the OS step, then other devices', (platform, step) => {
    expect(afterResetGuidance({ ...base, platform })).toEqual({ thisComputer: true, steps: [step, 'other-devices'] });
  });

  it('another account than the one signed in here: only the other devices', () => {
    expect(afterResetGuidance({ ...base, platform: 'win32', username: 'hana' })).toEqual({ thisComputer: false, steps: ['other-devices'] });
    expect(afterResetGuidance({ ...base, platform: 'win32', osUsername: null })).toEqual({ thisComputer: false, steps: ['other-devices'] });
  });

  it('a kiosk is nobody\'s computer; the sign-in screen is this computer\'s', () => {
    expect(afterResetGuidance({ ...base, platform: 'linux', kiosk: true })).toEqual({ thisComputer: false, steps: ['other-devices'] });
    expect(afterResetGuidance({ ...base, platform: 'darwin', kiosk: true, logon: true, osUsername: '_securityagent' })).toEqual({ thisComputer: true, steps: ['macos-login-keychain', 'other-devices'] });
  });

  it('an OS without a known step still gets the other-devices step', () => {
    expect(afterResetGuidance({ ...base, platform: 'freebsd' })).toEqual({ thisComputer: true, steps: ['other-devices'] });
  });

  it('domain and UPN spellings name the same account', () => {
    expect(accountName('CONTOSO\\Taro')).toBe('taro');
    expect(accountName('taro@contoso.example')).toBe('taro');
    expect(afterResetGuidance({ ...base, platform: 'win32', username: 'Taro', osUsername: 'CONTOSO\\taro' }).thisComputer).toBe(true);
  });
});
