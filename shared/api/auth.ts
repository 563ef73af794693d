import { z } from 'zod';
import { IsoDateTime, PasswordInput, Username } from './common.js';

export const UserInfo = z.object({
  username: z.string(),
  displayName: z.string(),
  isAdmin: z.boolean(),
});
export type UserInfo = z.infer<typeof UserInfo>;

export const SignInRequest = z.strictObject({
  username: Username,
  password: PasswordInput,
  /** Identifies the app instance in audit events (R17a). */
  client: z.string().max(128).optional(),
});
export const TokenResponse = z.object({
  accessToken: z.string(),
  accessExpiresAt: IsoDateTime,
  refreshToken: z.string(),
  user: UserInfo,
});
export type TokenResponse = z.infer<typeof TokenResponse>;

/**
 * `POST /auth/refresh`: rotates the refresh token (30 days). Showing a rotated token again
 * revokes its whole family (theft); an expired password answers `password_expired`.
 */
export const RefreshRequest = z.strictObject({ refreshToken: z.string().min(1).max(512) });
/**
 * `POST /auth/sign-out` (send `{}` at least). With `refreshToken`: ends that sign-in (its
 * rotation family). Without: ends every session of the user, access tokens included.
 */
export const SignOutRequest = z.strictObject({ refreshToken: z.string().min(1).max(512).optional() });

/**
 * `POST /auth/admin/sessions`: an administrator's own account (R10, R17a). The right password
 * of an administrator starts a verification session (two methods, never security questions),
 * answered like `POST /reset/sessions`; anything else answers `unauthorized`.
 */
export const AdminSignInRequest = z.strictObject({
  username: Username,
  password: PasswordInput,
});
/** `POST /auth/admin/token` (bearer: the verified session): the administrator's console token. */
export const AdminTokenResponse = z.object({
  adminToken: z.string(),
  expiresAt: IsoDateTime,
  user: UserInfo,
});
export type AdminTokenResponse = z.infer<typeof AdminTokenResponse>;
