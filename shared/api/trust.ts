import { z } from 'zod';
import { IsoDateTime } from './common.js';

/**
 * `GET /me/step-up`, and the answer of every step-up: whether this sign-in may change methods
 * now (R26), until when, and whether first methods may be registered with the password (R27).
 */
export const StepUpStatus = z.object({
  /** This sign-in proved a method or a Temporary Access Pass; good until `provenUntil`. */
  provenUntil: IsoDateTime.nullable(),
  /** True when a change of methods needs a step-up first. */
  required: z.boolean(),
  /** True when the user holds a method to step up with (else only a Temporary Access Pass helps). */
  hasMethods: z.boolean(),
});
export type StepUpStatus = z.infer<typeof StepUpStatus>;

/** `POST /me/step-up/complete`: the step-up session whose one gate was passed. */
export const CompleteStepUpRequest = z.strictObject({ sessionToken: z.string().min(1).max(128) });

/** `POST /me/step-up/pass`: a Temporary Access Pass from an administrator (R31). */
export const AccessPassInput = z.string().trim().min(8).max(64);
export const StepUpWithPassRequest = z.strictObject({ pass: AccessPassInput });

/** `POST /admin/users/{username}/access-pass` (R31): lifetime 10 min–8 h, one use by default. */
export const IssueAccessPassRequest = z.strictObject({
  lifetimeMinutes: z.number().int().min(10).max(480).default(60),
  oneTime: z.boolean().default(true),
});
/** The pass is shown once, here; only its hash is kept. */
export const IssuedAccessPass = z.object({
  pass: z.string(),
  expiresAt: IsoDateTime,
  oneTime: z.boolean(),
});
export type IssuedAccessPass = z.infer<typeof IssuedAccessPass>;
