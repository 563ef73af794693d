/**
 * The app's settings: what IT may set machine-wide (managed config, which wins and is shown
 * read-only) and what a user may set for themselves. One zod schema for both, so the
 * Windows registry, macOS managed preferences and the Linux JSON file are validated alike.
 */
import { z } from 'zod';
import { Locale } from '../api/common.js';

export const UPDATE_CHANNELS = ['stable', 'beta', 'off'] as const;

/** Branding that overrides the server's (R20). The logo is inline: the CSP loads no remote images. */
export const BrandingOverride = z.strictObject({
  organizationName: z.string().trim().min(1).max(200).optional(),
  contactAdmin: z.string().trim().min(1).max(2048).optional(),
  logoDataUrl: z
    .string()
    .max(512 * 1024)
    .regex(/^data:image\/(png|jpeg|svg\+xml);base64,[A-Za-z0-9+/=]+$/, 'must be a data:image/png|jpeg|svg+xml;base64 URL')
    .optional(),
});
export type BrandingOverride = z.infer<typeof BrandingOverride>;

/** https anywhere, http only to loopback (the API client refuses anything else too). */
export const ServerUrl = z
  .string()
  .trim()
  .max(2048)
  .url()
  .refine((u) => isAllowedServerUrl(u), { message: 'must be https:// (http:// only for localhost / 127.0.0.1 / [::1])' });

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export function isAllowedServerUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.username || u.password) return false;
  return u.protocol === 'https:' || (u.protocol === 'http:' && isLoopbackHost(u.hostname));
}

/** Every setting; in managed config all are optional (IT sets what it wants to pin). */
export const ManagedConfig = z.strictObject({
  /** The SSPR server, e.g. `https://sspr.example.com` (the app appends `/api/v1`). */
  serverUrl: ServerUrl.optional(),
  /** Full-screen, reset flow only, idle timeout. */
  kioskMode: z.boolean().optional(),
  locale: Locale.optional(),
  branding: BrandingOverride.optional(),
  /** Days before expiry at which to warn (R16); default: the server policy's. */
  warningDays: z.array(z.number().int().min(1).max(365)).min(1).max(10).optional(),
  autoStart: z.boolean().optional(),
  updateChannel: z.enum(UPDATE_CHANNELS).optional(),
  /** Kiosk: seconds without input before the flow is wiped and the start screen returns. */
  idleTimeoutSeconds: z.number().int().min(15).max(3600).optional(),
  /** Devtools in the installed app, for a support case (never at a kiosk or the sign-in screen). */
  allowDevTools: z.boolean().optional(),
});
export type ManagedConfig = z.infer<typeof ManagedConfig>;
export type SettingKey = keyof ManagedConfig;
export const SETTING_KEYS = Object.keys(ManagedConfig.shape) as SettingKey[];

/** What a user may change in the app (when IT has not pinned it). */
export const UserSettings = z.strictObject({
  serverUrl: ServerUrl.optional(),
  locale: Locale.optional(),
  autoStart: z.boolean().optional(),
});
export type UserSettings = z.infer<typeof UserSettings>;

export const MANAGED_SOURCES = ['windows-registry', 'macos-managed-preferences', 'linux-file'] as const;

/** The settings in force, with which of them IT manages (the app shows those read-only). */
export const EffectiveConfig = z.object({
  /** null: not configured yet (no managed, user or built-in URL). */
  serverUrl: z.string().nullable(),
  kioskMode: z.boolean(),
  locale: Locale,
  branding: BrandingOverride,
  /** null: use the server policy's `password.expiryWarningDays`. */
  warningDays: z.array(z.number().int()).nullable(),
  autoStart: z.boolean(),
  updateChannel: z.enum(UPDATE_CHANNELS),
  idleTimeoutSeconds: z.number().int(),
  /** Keys IT set machine-wide: read-only in the app. */
  managed: z.array(z.enum(SETTING_KEYS as [SettingKey, ...SettingKey[]])),
  managedSource: z.object({ kind: z.enum(MANAGED_SOURCES), location: z.string() }).nullable(),
  /** One clear message when the managed config could not be used (the app runs on defaults). */
  problem: z.string().nullable(),
});
export type EffectiveConfig = z.infer<typeof EffectiveConfig>;
