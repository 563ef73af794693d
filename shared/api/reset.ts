import { z } from 'zod';
import { IsoDateTime, Locale, PasswordInput, PhoneChannel, ResetMethodType, Username } from './common.js';

/** A method offered in a reset session; `hint` is masked (`a•••@example.com`). */
export const ResetMethod = z.object({
  id: z.string(),
  type: ResetMethodType,
  hint: z.string(),
});
export type ResetMethod = z.infer<typeof ResetMethod>;

export const CreateResetSessionRequest = z.strictObject({ username: Username });
export const CreateResetSessionResponse = z.object({
  sessionToken: z.string(),
  expiresAt: IsoDateTime,
  requiredMethods: z.number().int(),
  methods: z.array(ResetMethod),
});
export type CreateResetSessionResponse = z.infer<typeof CreateResetSessionResponse>;

export const RESET_STATES = ['verifying', 'ready', 'completed', 'expired', 'locked'] as const;
export const PendingChallenge = z.object({
  challengeId: z.string(),
  methodId: z.string(),
  type: ResetMethodType,
  expiresAt: IsoDateTime,
  /** Push challenges only. */
  status: z.enum(['waiting', 'approved', 'denied']).optional(),
});
export const ResetSessionView = z.object({
  state: z.enum(RESET_STATES),
  gatesPassed: z.number().int(),
  requiredMethods: z.number().int(),
  methods: z.array(ResetMethod),
  /** Methods already used to pass a gate: the second gate must be a different one (R2). */
  passedMethodIds: z.array(z.string()),
  expiresAt: IsoDateTime,
  pendingChallenge: PendingChallenge.optional(),
  /**
   * Once every gate is passed (`ready`): the names the new password must not contain, exactly
   * the inputs of the server's name rule, so the live checklist can apply it too. Absent before:
   * an unknown user never passes a gate, so this reveals nothing to a stranger (R13b).
   */
  passwordOwner: z.object({ username: z.string(), displayName: z.string(), email: z.string().nullable() }).optional(),
  /** R37: once every gate is passed and the policy allows unlock-only: whether the account is locked. */
  accountLocked: z.boolean().optional(),
  /**
   * Once every gate is passed: when the directory last recorded a wrong password for the
   * account (null: none recorded), so the done screen can say a device with the old password
   * saved is still trying. Read with the lock state; absent before the gates (R13b).
   */
  lastFailedSignInAt: IsoDateTime.nullable().optional(),
});
export type ResetSessionView = z.infer<typeof ResetSessionView>;

export const CreateChallengeRequest = z.strictObject({
  methodId: z.string().min(1).max(64),
  channel: PhoneChannel.optional(),
  /** ja or en: the language of the code's message. Defaults to the server's. */
  locale: Locale.optional(),
});
export const Challenge = z.object({
  challengeId: z.string(),
  type: ResetMethodType,
  expiresAt: IsoDateTime,
  questions: z.array(z.object({ id: z.string(), text: z.string() })).optional(),
  numberMatch: z.number().int().optional(),
});
export type Challenge = z.infer<typeof Challenge>;

export const Answer = z.strictObject({
  questionId: z.string().min(1).max(64),
  answer: z.string().max(200),
});
/** A six-digit code, or a Temporary Access Pass as issued (`ABCD-EFGH-JKMN-PQRS`, R39). */
export const VerifyWithCode = z.strictObject({ code: z.string().trim().min(1).max(24) });
export const VerifyWithAnswers = z.strictObject({ answers: z.array(Answer).min(1).max(5) });
export const VerifyChallengeRequest = z.union([VerifyWithCode, VerifyWithAnswers]);
export type VerifyChallengeRequest = z.infer<typeof VerifyChallengeRequest>;
export const VerifyChallengeResponse = z.object({
  gatesPassed: z.number().int(),
  requiredMethods: z.number().int(),
  complete: z.boolean(),
  /** The session after this gate, so a client needs no second request to draw the next screen. */
  session: ResetSessionView,
});
export type VerifyChallengeResponse = z.infer<typeof VerifyChallengeResponse>;

export const SetResetPasswordRequest = z.strictObject({
  newPassword: PasswordInput,
  unlockAccount: z.boolean().default(true),
});
export const SetResetPasswordResponse = z.object({
  unlocked: z.boolean(),
  changedAt: IsoDateTime,
});
export type SetResetPasswordResponse = z.infer<typeof SetResetPasswordResponse>;

/** R37: `POST /reset/session/unlock`: the account unlocked, the password unchanged. */
export const UnlockAccountResponse = z.object({ unlockedAt: IsoDateTime });
export type UnlockAccountResponse = z.infer<typeof UnlockAccountResponse>;
