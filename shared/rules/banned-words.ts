/**
 * R34: the organisation's own banned words, matched inside a password after folding away
 * case, width (NFKC) and the common look-alike substitutions. Pure; the hash function is
 * injected so the renderer bundle never pulls in a crypto library.
 */

/** `1` stands for `l` or `i`, so `i`, `l` and `1` fold to one letter; the others map one way. */
const FOLD: Record<string, string> = { '@': 'a', '4': 'a', '0': 'o', $: 's', '5': 's', '1': 'l', i: 'l', '3': 'e', '7': 't' };

export const BANNED_TERM_MIN_LENGTH = 4;
export const BANNED_TERM_MAX_LENGTH = 64;
export const BANNED_TERMS_MAX = 1000;

/** The form both terms and passwords are compared in: `F@br1kam` and `ＦＡＢＲＩＫＡＭ` both fold to `fabrlkam`. */
export function foldForBanning(text: string): string {
  return Array.from(text.normalize('NFKC').toLowerCase(), (c) => FOLD[c] ?? c).join('');
}

/** Server side: whether a password contains any of the terms (plain text, never sent to a client). */
export function bannedTermMatcher(terms: readonly string[]): (password: string) => boolean {
  const folded = [...new Set(terms.map(foldForBanning))];
  return (password) => {
    const p = foldForBanning(password);
    return folded.some((t) => p.includes(t));
  };
}

/**
 * What a client gets instead of the list: salted, truncated hashes of the folded terms and the
 * lengths to cut the folded password into. Enough to check each substring, not to read the
 * list off `GET /policy` (which anyone can call) or out of a log or cache.
 */
export interface BannedTermDigest {
  salt: string;
  lengths: number[];
  hashes: string[];
}

/** A hex digest of its input (SHA-256 on both sides); only the first 16 characters are kept. */
export type HexHash = (text: string) => string;

const HASH_CHARS = 16;
const digestOf = (salt: string, folded: string, hash: HexHash) => hash(`${salt}\u0000${folded}`).slice(0, HASH_CHARS);

export function bannedTermDigest(terms: readonly string[], salt: string, hash: HexHash): BannedTermDigest {
  const folded = [...new Set(terms.map(foldForBanning))];
  return {
    salt,
    lengths: [...new Set(folded.map((t) => [...t].length))].sort((a, b) => a - b),
    // Sorted, so the order the administrator typed them in does not show either.
    hashes: folded.map((t) => digestOf(salt, t, hash)).sort(),
  };
}

/** Client side: the same verdict as `bannedTermMatcher`, from the digest. */
export function matchesBannedDigest(password: string, digest: BannedTermDigest, hash: HexHash): boolean {
  if (digest.hashes.length === 0) return false;
  const known = new Set(digest.hashes);
  const chars = [...foldForBanning(password)];
  for (const length of digest.lengths) {
    for (let i = 0; i + length <= chars.length; i++) {
      if (known.has(digestOf(digest.salt, chars.slice(i, i + length).join(''), hash))) return true;
    }
  }
  return false;
}
