import { createHash, randomBytes } from 'node:crypto';
import { bannedTermDigest, bannedTermMatcher, type BannedTermDigest } from '../../shared/rules/banned-words.js';

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * R34: the policy's banned words, folded once per policy version (the policy store hands out
 * the same array until the document changes). The salt is per process: clients read it from
 * the digest they get, so instances need not agree on it.
 */
export class BannedTerms {
  private readonly matchers = new WeakMap<readonly string[], (password: string) => boolean>();
  private readonly digests = new WeakMap<readonly string[], BannedTermDigest>();

  constructor(private readonly salt = randomBytes(12).toString('hex')) {}

  matches(terms: readonly string[], password: string): boolean {
    if (terms.length === 0) return false;
    let matcher = this.matchers.get(terms);
    if (!matcher) this.matchers.set(terms, (matcher = bannedTermMatcher(terms)));
    return matcher(password);
  }

  /** What `GET /policy` publishes in place of the list. */
  digest(terms: readonly string[]): BannedTermDigest {
    let digest = this.digests.get(terms);
    if (!digest) this.digests.set(terms, (digest = bannedTermDigest(terms, this.salt, sha256Hex)));
    return digest;
  }
}
