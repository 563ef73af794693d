import { Secret, TOTP } from 'otpauth';

/** The code an authenticator app shows for `secret` at `at` (RFC 6238, SHA1, 6 digits, 30 s). */
export function totpAt(secret: string, at: Date): string {
  return new TOTP({ secret: Secret.fromBase32(secret.replace(/\s+/g, '')), algorithm: 'SHA1', digits: 6, period: 30 }).generate({ timestamp: at.getTime() });
}
