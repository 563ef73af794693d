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

export const RefreshRequest = z.strictObject({ refreshToken: z.string().min(1).max(512) });
export const SignOutRequest = z.strictObject({ refreshToken: z.string().min(1).max(512).optional() });
