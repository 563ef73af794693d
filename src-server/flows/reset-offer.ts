import { createHmac } from 'node:crypto';
import type { MethodType } from '../../shared/api/common.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { canonicalLogin, type Directory, type DirectoryUser } from '../directory/directory.js';
import { decoyMethods, decoySeed, decoyThrottleKey } from '../methods/decoy.js';
import { populationDecoy, type Population } from '../methods/decoy-population.js';
import type { UsableMethod } from '../methods/registration-status.js';
import type { SecretBox } from '../security/secret-box.js';
import type { OfferedMethod } from '../store/reset-session-store.js';
import { resetThrottleKey } from '../throttle/keys.js';
import { directoryContact } from './reset-rules.js';

/** A name's decoy randomness, under the name its directory would resolve it to (alias-proof). */
export function seedFor(codeKey: Buffer, username: string): Buffer {
  return decoySeed(codeKey, canonicalLogin(username));
}

/** The id a method has in one session: opaque, so real and decoy ids look alike. */
function publicId(codeKey: Buffer, sessionId: string, ref: string): string {
  return createHmac('sha256', codeKey).update(`offer:${sessionId}:${ref}`).digest('base64url').slice(0, 16);
}

/** What the caller sees of an offered method. */
export const publicView = (m: OfferedMethod) => ({ id: m.id, type: m.type, hint: m.hint });

/**
 * The methods a new session offers (R13b): a real user's usable ones (directory contact data
 * sealed into the session), or for anyone else a decoy drawn from what real users hold, under
 * the ordinary requirement — the same shape either way. Where the policy lets a Temporary
 * Access Pass count as a gate (R39) every session offers one last, whether or not a pass exists.
 */
export function offeredMethods(o: {
  codeKey: Buffer;
  secretBox: SecretBox;
  sessionId: string;
  real: { user: DirectoryUser; usable: UsableMethod[] } | null;
  seed: Buffer;
  population: Population | null;
  requirement: { required: number; types: readonly MethodType[] };
  policy: PolicyDocument;
}): OfferedMethod[] {
  const id = (ref: string) => publicId(o.codeKey, o.sessionId, ref);
  const pass: OfferedMethod[] = o.policy.sspr.accessPassGate ? [{ id: id('accessPass'), type: 'accessPass', hint: '', ref: 'accessPass' }] : [];
  if (o.real) {
    const { user } = o.real;
    const held = o.real.usable.map((m): OfferedMethod => {
      const contact = directoryContact(user, m.id);
      return { id: id(m.id), type: m.type, hint: m.hint, ref: m.id, ...(contact ? { sealed: o.secretBox.sealJson(contact) } : {}) };
    });
    return [...held, ...pass];
  }
  const decoy = populationDecoy(o.population, o.seed, o.requirement.types, o.requirement.required)?.map((m, i) => ({ ref: `decoy-${i}-${m.type}`, ...m })) ?? decoyMethods(o.seed, o.requirement, o.policy);
  return [...decoy.map((m) => ({ id: id(m.ref), type: m.type, hint: m.hint, ref: m.ref })), ...pass];
}

/**
 * What a new session's attempts count against (R11): the user; for anyone else the name's decoy
 * key — except an alias the directory does not resolve (`alice@other.example`), which is locked
 * with the account its canonical name resolves to, as an unknown name's aliases share its lock (R13b).
 */
export async function throttleKeyFor(directory: Directory, username: string, o: { user: DirectoryUser | null; real: DirectoryUser | null; seed: Buffer }): Promise<string> {
  if (o.real) return resetThrottleKey(o.real.id);
  const canonical = canonicalLogin(username);
  const aliased = !o.user && canonical !== username.normalize('NFKC').trim().toLowerCase() ? await directory.findUser(canonical) : null;
  return aliased ? resetThrottleKey(aliased.id) : decoyThrottleKey(o.seed);
}
