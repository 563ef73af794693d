import { hashCode, newNumericCode, safeEqual } from '../security/tokens.js';

/** R13: an emailed or texted code is 6 digits and valid 5 minutes. */
export const CODE_DIGITS = 6;
export const CODE_TTL_MS = 5 * 60_000;

/** A fresh code and the hash kept of it, bound to its challenge (so it works nowhere else). */
export function issueCode(codeKey: Buffer, challengeId: string): { code: string; hash: string } {
  const code = newNumericCode(CODE_DIGITS);
  return { code, hash: hashCode(codeKey, challengeId, code) };
}

/**
 * Whether `input` is the challenge's code. Always hashes, so a decoy (no hash to match) costs
 * the same as a real check; spaces and dashes people type are ignored.
 */
export function codeMatches(codeKey: Buffer, challengeId: string, input: string, hash: string | null): boolean {
  const digits = input.replace(/[\s-]/g, '');
  const candidate = hashCode(codeKey, challengeId, digits);
  const same = safeEqual(candidate, hash ?? '');
  return hash !== null && /^\d{6}$/.test(digits) && same;
}
