import { createHash } from 'node:crypto';
import { createChallenge, randomInt, verifySolution, type Challenge, type Payload } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/sha';
import type { Clock } from '../clock.js';

/**
 * An accessible bot check at the anonymous doors: instead of a visual puzzle, the client
 * spends a moment of CPU (ALTCHA v2, SHA-256). The server picks the answer (deterministic
 * mode), so checking costs one hash; a challenge is bound to one door, expires in minutes
 * and is accepted once across every instance (the spent-proof ledger in the store).
 */
interface ProofOfWorkOptions {
  /** HMAC secret for challenges; derived from the server's secret key. */
  secret: Buffer;
  clock: Clock;
  /** Records a proof as used; false when it was used before. */
  spend: (proofId: string, expiresAt: number) => Promise<boolean>;
  /** The answer is drawn from [counterMin, counterMax]: the client tries that many hashes. */
  counterMin?: number;
  counterMax?: number;
  lifetimeMs?: number;
}

export type ProofVerdict = 'ok' | 'malformed' | 'invalid' | 'expired' | 'wrong_door' | 'replayed';

export class ProofOfWork {
  private readonly signatureSecret: string;
  private readonly keySignatureSecret: string;
  private readonly counterMin: number;
  private readonly counterMax: number;
  private readonly lifetimeMs: number;

  constructor(private readonly options: ProofOfWorkOptions) {
    const sub = (label: string) => createHash('sha256').update(label).update(options.secret).digest('base64url');
    this.signatureSecret = sub('pow-challenge');
    this.keySignatureSecret = sub('pow-key');
    this.counterMin = options.counterMin ?? 40_000;
    this.counterMax = options.counterMax ?? 80_000;
    this.lifetimeMs = options.lifetimeMs ?? 5 * 60_000;
  }

  /**
   * A challenge for one door (a route name). Its expiry is signed in `data` rather than in
   * ALTCHA's `expiresAt`, which ALTCHA checks against the wall clock: the server's clock decides.
   */
  challenge(door: string): Promise<Challenge> {
    return createChallenge({
      algorithm: 'SHA-256',
      cost: 1,
      counter: randomInt(this.counterMax, this.counterMin),
      deriveKey,
      data: { door, expires: this.options.clock.now().getTime() + this.lifetimeMs },
      hmacSignatureSecret: this.signatureSecret,
      hmacKeySignatureSecret: this.keySignatureSecret,
    });
  }

  /** Checks a solved challenge sent back in the header (base64 JSON of `{challenge, solution}`). */
  async verify(header: string, door: string): Promise<ProofVerdict> {
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as Payload;
    } catch {
      return 'malformed';
    }
    const params = payload?.challenge?.parameters;
    if (!params || typeof payload.challenge.signature !== 'string' || !payload.solution) return 'malformed';
    let verified: boolean;
    try {
      ({ verified } = await verifySolution({
        challenge: payload.challenge,
        solution: payload.solution,
        deriveKey,
        hmacSignatureSecret: this.signatureSecret,
        hmacKeySignatureSecret: this.keySignatureSecret,
      }));
    } catch {
      return 'malformed';
    }
    if (!verified) return 'invalid';
    // Signed with the challenge, so these are the server's own values.
    const expires = Number(params.data?.expires);
    if (!(expires > this.options.clock.now().getTime())) return 'expired';
    if (params.data?.door !== door) return 'wrong_door';
    return (await this.options.spend(payload.challenge.signature, expires)) ? 'ok' : 'replayed';
  }
}
