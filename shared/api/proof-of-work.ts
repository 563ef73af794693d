import { z } from 'zod';

/**
 * The proof-of-work a busy server asks for at identify and sign-in (ALTCHA v2): the client
 * finds the counter whose SHA-256 key starts with `keyPrefix`, then repeats the request
 * with the solved challenge, base64 JSON `{challenge, solution}`, in this header.
 */
export const PROOF_OF_WORK_HEADER = 'x-sspr-proof-of-work';

export const ProofOfWorkChallenge = z.object({
  parameters: z.object({
    algorithm: z.string(),
    nonce: z.string(),
    salt: z.string(),
    cost: z.number().int(),
    keyLength: z.number().int(),
    keyPrefix: z.string(),
    keySignature: z.string().optional(),
    data: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
  }),
  signature: z.string().optional(),
});
export type ProofOfWorkChallenge = z.infer<typeof ProofOfWorkChallenge>;
