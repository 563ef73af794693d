import { z } from 'zod';
import { EmailAddress, IsoDateTime, Locale, MethodType, PasswordInput, PhoneChannel, PhoneNumber } from './common.js';

/** `GET /me/status`: the policy as it applies to one user (R5, R6, R15, R16). */
export const MeStatus = z.object({
  password: z.object({
    lastChangedAt: IsoDateTime.nullable(),
    /** null: the password never expires. */
    expiresAt: IsoDateTime.nullable(),
    daysUntilExpiry: z.number().int().nullable(),
    /** True when daysUntilExpiry has reached one of the policy's thresholds. */
    warn: z.boolean(),
    mustChange: z.boolean(),
    warningDays: z.array(z.number().int()),
  }),
  registration: z.object({
    registered: z.boolean(),
    required: z.number().int(),
    methods: z.array(MethodType),
    mustRegister: z.boolean(),
    reconfirmDueAt: IsoDateTime.nullable(),
    mustReconfirm: z.boolean(),
  }),
  inScope: z.boolean(),
  checkedAt: IsoDateTime,
});
export type MeStatus = z.infer<typeof MeStatus>;

export const RegisteredMethod = z.object({
  id: z.string(),
  type: MethodType,
  hint: z.string(),
  /** `admin`: set on the user's behalf (R4); `directory`: from directory attributes. */
  source: z.enum(['user', 'admin', 'directory']),
  verified: z.boolean(),
  createdAt: IsoDateTime,
});
export type RegisteredMethod = z.infer<typeof RegisteredMethod>;

export const SecurityQuestion = z.object({ id: z.string(), text: z.string() });
export type SecurityQuestion = z.infer<typeof SecurityQuestion>;

export const RegisterEmail = z.strictObject({ type: z.literal('email'), address: EmailAddress, locale: Locale.optional() });
export const RegisterMobilePhone = z.strictObject({
  type: z.literal('mobilePhone'),
  number: PhoneNumber,
  channel: PhoneChannel.optional(),
  locale: Locale.optional(),
});
export const RegisterOfficePhone = z.strictObject({ type: z.literal('officePhone'), number: PhoneNumber, locale: Locale.optional() });
export const RegisterAuthenticatorCode = z.strictObject({ type: z.literal('authenticatorCode'), label: z.string().max(64).optional() });
export const RegisterAuthenticatorPush = z.strictObject({
  type: z.literal('authenticatorPush'),
  deviceName: z.string().trim().min(1).max(64),
  /** Ed25519 public key, SPKI DER, base64. Approvals are signed with its private key. */
  publicKey: z.string().min(40).max(200),
});
export const RegisterSecurityQuestions = z.strictObject({
  type: z.literal('securityQuestions'),
  answers: z.array(z.strictObject({ questionId: z.string().min(1).max(64), answer: z.string().max(200) })).min(1).max(5),
});
export const RegisterMethodRequest = z.discriminatedUnion('type', [
  RegisterEmail,
  RegisterMobilePhone,
  RegisterOfficePhone,
  RegisterAuthenticatorCode,
  RegisterAuthenticatorPush,
  RegisterSecurityQuestions,
]);
export type RegisterMethodRequest = z.infer<typeof RegisterMethodRequest>;

export const RegisterMethodResponse = z.object({
  method: RegisteredMethod,
  /** True when the method is not usable until `POST /me/methods/{id}/verify`. */
  pendingVerification: z.boolean(),
  /** authenticatorCode only; shown once, never again (R7). */
  secret: z.string().optional(),
  otpauthUri: z.string().optional(),
});
export type RegisterMethodResponse = z.infer<typeof RegisterMethodResponse>;

export const VerifyMethodRequest = z.strictObject({ code: z.string().trim().min(1).max(16) });

/**
 * `POST /me/password` (access token, or the change token of `password_expired`). Answers:
 * `password_policy` with every violation of the new password (product policy first, then the
 * directory's own: history, minimum age…); `forbidden` with detail "The current password is
 * not correct." for a wrong current password (the token stays valid; wrong guesses count
 * towards the directory's lockout like wrong sign-ins); `locked_out` once locked. On success
 * every session of the user ends, this one included: sign in again with the new password.
 */
export const ChangePasswordRequest = z.strictObject({
  currentPassword: PasswordInput,
  newPassword: PasswordInput,
});
export const ChangePasswordResponse = z.object({ changedAt: IsoDateTime });

export const Approval = z.object({
  id: z.string(),
  requestedAt: IsoDateTime,
  expiresAt: IsoDateTime,
  /** Where the reset was started (IP / app instance), so the user can judge it. */
  client: z.string(),
  status: z.enum(['waiting', 'approved', 'denied', 'expired']),
});
export type Approval = z.infer<typeof Approval>;

export const DecideApprovalRequest = z.strictObject({
  approve: z.boolean(),
  /** The number shown on the resetting screen (number matching). */
  number: z.number().int().min(0).max(99),
  /** The push method registered on this device. */
  methodId: z.string().min(1).max(64),
  /** Ed25519 signature, base64, over `approvalSigningString(...)`. */
  signature: z.string().min(1).max(200),
});
export type DecideApprovalRequest = z.infer<typeof DecideApprovalRequest>;

/** What a push approval's signature covers; both sides build it with this function. */
export function approvalSigningString(approvalId: string, approve: boolean, number: number): string {
  return `sspr-approval:v1:${approvalId}:${approve ? 'approve' : 'deny'}:${number}`;
}
