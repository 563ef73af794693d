import { Secret, TOTP } from 'otpauth';
import { ProblemError } from '../errors.js';
import type { Clock } from '../clock.js';
import type { MethodStore } from '../store/method-store.js';
import type { MethodKind } from './method-kind.js';
import type { MethodData } from '../store/method-store.js';

type TotpData = MethodData['authenticatorCode'];

/** RFC 6238 as every authenticator app does it by default. */
const DEFAULTS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** ±1 time step of clock skew between the phone and the server. */
const WINDOW = 1;

export function newTotpData(): TotpData {
  return { secret: new Secret({ size: 20 }).base32, ...DEFAULTS };
}

function totpOf(data: TotpData, issuer = '', label = ''): TOTP {
  return new TOTP({ issuer, label, secret: Secret.fromBase32(data.secret), algorithm: data.algorithm, digits: data.digits, period: data.period });
}

export function otpauthUri(data: TotpData, issuer: string, label: string): string {
  return totpOf(data, issuer, label).toString();
}

/** The time step `code` belongs to (within ±1 of now), or null. */
export function matchTotpStep(data: TotpData, code: string, now: Date): number | null {
  const token = code.replace(/\s/g, '');
  if (!new RegExp(`^\\d{${data.digits}}$`).test(token)) return null;
  const delta = totpOf(data).validate({ token, timestamp: now.getTime(), window: WINDOW });
  if (delta === null) return null;
  return Math.floor(now.getTime() / 1000 / data.period) + delta;
}


/** A fixed secret derived from the decoy seed: checked like a real one, never accepted. */
function decoyData(seed: Buffer): TotpData {
  return { secret: new Secret({ buffer: new Uint8Array(seed.subarray(0, 20)).buffer }).base32, ...DEFAULTS };
}

export interface TotpMethodDependencies {
  clock: Clock;
  methodStore: MethodStore;
}

/** Authenticator code: TOTP (RFC 6238), SHA1 / 6 digits / 30 s, one use per time step. */
export function createTotpMethod({ clock, methodStore }: TotpMethodDependencies): MethodKind {
  /** A code is accepted once per time step: the step is claimed atomically in the store. */
  async function checkAndClaim(subjectId: string, methodId: string, data: TotpData, code: string): Promise<boolean> {
    const step = matchTotpStep(data, code, clock.now());
    // A wrong code still makes the same (empty) update, so both answers cost the same.
    const claimed = await methodStore.claimTotpStep(subjectId, step === null ? '' : methodId, step ?? 0);
    return step !== null && claimed;
  }

  return {
    answeredWith: 'code',
    verifyCounts: ['app.verify'],
    validateStart(_type, channel) {
      if (channel) throw new ProblemError('invalid_request', 'An authenticator code has no channel.');
    },
    async start() {
      return { codeHash: null, data: {}, reply: {}, counts: [], deliver: null };
    },
    async check({ target, subjectKey, decoySeed, input }) {
      if (!('code' in input)) return false;
      if (!target) {
        await checkAndClaim(subjectKey, 'decoy', decoyData(decoySeed), input.code);
        return false;
      }
      return checkAndClaim(subjectKey, target.ref, target.data as TotpData, input.code);
    },
    proof: 'ownCode',
    async proveWithCode(method, code) {
      return checkAndClaim(method.subjectId, method.id, method.data as TotpData, code);
    },
    async register({ policy, user, body }) {
      if (body.type !== 'authenticatorCode') throw new Error('totp kind got another type');
      const data = newTotpData();
      const issuer = policy.branding.organizationName.trim() || 'SSPR';
      return {
        type: 'authenticatorCode',
        hint: body.label?.trim() || 'Authenticator app',
        data,
        verified: false,
        replacesAtOnce: false,
        sendCode: null,
        sendCounts: [],
        reveal: { secret: data.secret, otpauthUri: otpauthUri(data, issuer, user.username) },
      };
    },
  };
}
