/** Names the OS sees: bundle id, keychain service, managed-config locations. */
const APP_ID = 'org.sspr.companion';
export const PRODUCT_NAME = 'SSPR Companion';
/** Windows Group Policy key (HKLM, machine-wide). */
export const WINDOWS_POLICY_KEY = 'HKLM\\Software\\Policies\\SSPR\\Companion';
/** macOS managed preferences, written by an MDM configuration profile. */
export const MACOS_MANAGED_PLIST = `/Library/Managed Preferences/${APP_ID}.plist`;
export const LINUX_MANAGED_CONFIG = '/etc/sspr-companion/config.json';
/** Keychain service name: every entry of this app lives under it. */
export const KEYCHAIN_SERVICE = APP_ID;
