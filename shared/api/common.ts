import { z } from 'zod';

/** The method type names used everywhere (policy, reset sessions, registration). R3. */
export const METHOD_TYPES = [
  'email',
  'mobilePhone',
  'officePhone',
  'authenticatorCode',
  'authenticatorPush',
  'securityQuestions',
] as const;
export const MethodType = z.enum(METHOD_TYPES);
export type MethodType = z.infer<typeof MethodType>;

/**
 * What a reset gate can be passed with: a registered method type, or (R39, when the policy
 * lets it count) a Temporary Access Pass from an administrator.
 */
export const RESET_METHOD_TYPES = [...METHOD_TYPES, 'accessPass'] as const;
export const ResetMethodType = z.enum(RESET_METHOD_TYPES);
export type ResetMethodType = z.infer<typeof ResetMethodType>;

/** How a code reaches a phone: text message or call. */
export const PHONE_CHANNELS = ['sms', 'voice'] as const;
export const PhoneChannel = z.enum(PHONE_CHANNELS);
export type PhoneChannel = z.infer<typeof PhoneChannel>;

export const LOCALES = ['ja', 'en'] as const;
export const Locale = z.enum(LOCALES);
export type Locale = z.infer<typeof Locale>;

export const IsoDateTime = z.string().datetime({ offset: true });

const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
/** A printable name (user, group): no control or bidi-override characters, 1–256 chars. */
export const PrintableName = z
  .string()
  .trim()
  .min(1)
  .max(256)
  .refine((s) => !FORBIDDEN_CHARS.test(s), { message: 'contains control or bidi characters' });
export const Username = PrintableName;

/** E.164 with an optional space after the country code: `+81 9012345678`. */
export const PhoneNumber = z
  .string()
  .regex(/^\+[1-9]\d{0,2} ?\d{4,14}$/, 'phone numbers are E.164, e.g. +81 9012345678');

export const EmailAddress = z.string().trim().email().max(254);

/** A password as typed: any characters but controls; length limits are policy. */
export const PasswordInput = z.string().min(1).max(1024);
