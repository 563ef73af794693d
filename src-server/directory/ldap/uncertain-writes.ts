import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { DirectoryUnavailableError } from '../directory.js';

/** How long a write whose outcome is unknown is remembered. */
const REMEMBER_MS = 15 * 60_000;

/**
 * Password writes whose outcome is unknown: the request went out, then the directory stopped
 * answering, so it may still apply it. When the user retries the same password, the directory
 * answers "in history" (it is now the current one); knowing the first try was uncertain lets
 * the adapter check and report success instead. Only a salted digest is kept, in memory.
 */
export class UncertainWrites {
  private readonly salt = randomBytes(32);
  private readonly writes = new Map<string, { digest: Buffer; at: number }>();

  private digest(password: string): Buffer {
    return createHash('sha256').update(this.salt).update(password, 'utf8').digest();
  }

  /** Runs a write; a DirectoryUnavailableError marks it uncertain for this entry until `forget`. */
  async track<T>(dn: string, password: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (error instanceof DirectoryUnavailableError) {
        const now = performance.now();
        for (const [key, w] of this.writes) if (now - w.at > REMEMBER_MS) this.writes.delete(key);
        this.writes.set(dn, { digest: this.digest(password), at: now });
      }
      throw error;
    }
  }

  /** Whether the last write to `dn` that may have landed late set exactly this password. */
  mayHaveSet(dn: string, password: string): boolean {
    const w = this.writes.get(dn);
    if (!w) return false;
    if (performance.now() - w.at > REMEMBER_MS) {
      this.writes.delete(dn);
      return false;
    }
    return timingSafeEqual(w.digest, this.digest(password));
  }

  forget(dn: string): void {
    this.writes.delete(dn);
  }
}
