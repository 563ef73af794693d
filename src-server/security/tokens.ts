import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { randomBase64url } from './random-pool.js';

/** An opaque bearer token with a readable prefix (`rs_`, `rt_`, …) and 256 bits of entropy. */
export function newToken(prefix: string): string {
  return `${prefix}_${randomBase64url(32)}`;
}

export function newId(): string {
  return randomBase64url(12);
}

/** Tokens are stored only as their SHA-256: a leaked table cannot be replayed. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/**
 * Constant-time equality where the expected value's length is public (a MAC, a hash): only
 * whether the given one has that length shows, not where they differ. No hashing first, as
 * `safeEqual` needs for secrets of any length.
 */
export function equalOfPublicLength(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Constant-time equality for strings of any length. */
export function safeEqual(a: string, b: string): boolean {
  const ka = createHash('sha256').update(a).digest();
  const kb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ka, kb) && a.length === b.length;
}

/** A numeric one-time code, uniform over its range. */
export function newNumericCode(digits = 6): string {
  return randomInt(0, 10 ** digits).toString().padStart(digits, '0');
}

/** HMAC of a one-time code bound to its challenge, so equal codes hash differently. */
export function hashCode(key: Buffer, challengeId: string, code: string): string {
  return createHmac('sha256', key).update(`${challengeId}:${code}`).digest('base64url');
}
