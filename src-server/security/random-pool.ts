import { randomFillSync } from 'node:crypto';

/**
 * Small random values (ids, tokens, IVs) cut from one buffer that the CSPRNG refills 4 KiB at
 * a time, as Node's own `randomUUID` caches its entropy: a `randomBytes` call costs ~2.5 µs
 * however few bytes it returns, and one password change draws about ten of them (issue 12).
 * Bytes are zeroed in the pool as they are handed out, so none is ever handed out twice.
 */
const pool = Buffer.alloc(4096);
let used = pool.length;

function draw(n: number): number {
  if (n > pool.length) throw new RangeError(`at most ${pool.length} random bytes at a time`);
  if (used + n > pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  const at = used;
  used += n;
  return at;
}

/** `n` random bytes, as a Buffer of its own. */
export function randomBuffer(n: number): Buffer {
  const at = draw(n);
  const out = Buffer.from(pool.subarray(at, at + n));
  pool.fill(0, at, at + n);
  return out;
}

/** `n` random bytes, base64url-encoded. */
export function randomBase64url(n: number): string {
  const at = draw(n);
  const out = pool.toString('base64url', at, at + n);
  pool.fill(0, at, at + n);
  return out;
}
