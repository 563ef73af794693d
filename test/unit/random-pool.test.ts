import { describe, expect, it } from 'vitest';
import { randomBase64url, randomBuffer } from '../../src-server/security/random-pool.js';

describe('random pool (ids, tokens, IVs; issue 12)', () => {
  it('hands out the asked number of bytes, never the same value twice, across many refills of its 4 KiB', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const id = randomBase64url(12);
      expect(Buffer.from(id, 'base64url')).toHaveLength(12);
      seen.add(id);
      const iv = randomBuffer(12);
      expect(iv).toHaveLength(12);
      seen.add(iv.toString('base64url'));
    }
    expect(seen.size).toBe(6000);
  });

  it('a buffer handed out is its own: changing it changes nothing drawn later', () => {
    const a = randomBuffer(16);
    a.fill(0xff);
    const b = randomBuffer(16);
    expect(b.equals(Buffer.alloc(16, 0xff))).toBe(false);
  });

  it('bytes are spread over every value (no stuck bits), as a CSPRNG gives them', () => {
    const counts = new Array<number>(256).fill(0);
    for (let i = 0; i < 1000; i++) for (const byte of randomBuffer(64)) counts[byte]!++;
    // 64 000 bytes: 250 expected per value; a stuck bit would leave half the values at 0.
    expect(Math.min(...counts)).toBeGreaterThan(150);
    expect(Math.max(...counts)).toBeLessThan(350);
  });

  it('refuses more than the pool holds in one draw', () => {
    expect(() => randomBuffer(4097)).toThrow(RangeError);
  });
});
