import { z } from 'zod';
import { IsoDateTime } from './common.js';

/**
 * R38: what an API token may reach. `users:manage` covers users, groups and methods on a
 * user's behalf (and Temporary Access Passes); `policy:manage` the policy document;
 * `reports:read` the reports and the dashboard figures.
 */
export const API_TOKEN_SCOPES = ['reports:read', 'users:manage', 'policy:manage'] as const;
export const ApiTokenScope = z.enum(API_TOKEN_SCOPES);
export type ApiTokenScope = z.infer<typeof ApiTokenScope>;

/** Letters, digits, `.`, `_` and `-`: a token's name is its audit actor and a CLI argument. */
export const ApiTokenName = z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'Use 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit.');

export const CreateApiTokenRequest = z.strictObject({
  name: ApiTokenName,
  scopes: z.array(ApiTokenScope).min(1).max(API_TOKEN_SCOPES.length).refine((s) => new Set(s).size === s.length, 'Name each scope once.'),
  /** 1 day to a year; 90 days by default. */
  expiresInDays: z.number().int().min(1).max(365).default(90),
});
export type CreateApiTokenRequest = z.input<typeof CreateApiTokenRequest>;

/** A token as listed: never its secret. */
export const ApiTokenInfo = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(ApiTokenScope),
  createdBy: z.string(),
  createdAt: IsoDateTime,
  expiresAt: IsoDateTime,
  lastUsedAt: IsoDateTime.nullable(),
});
export type ApiTokenInfo = z.infer<typeof ApiTokenInfo>;

export const ApiTokenList = z.object({ tokens: z.array(ApiTokenInfo) });

/** The one answer that carries the secret: shown once, only its hash is kept. */
export const CreatedApiToken = ApiTokenInfo.extend({ token: z.string() });
export type CreatedApiToken = z.infer<typeof CreatedApiToken>;
