import { createHmac } from 'node:crypto';
import type { MethodType } from '../../shared/api/common.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import { usernameKey } from '../directory/builtin-directory.js';

/**
 * R13b: what an unknown, out-of-scope or unregistered user is shown instead of the truth —
 * methods that look like a real user's and stay the same for the same name, so asking twice
 * tells nothing.
 */
export function decoySeed(codeKey: Buffer, username: string): Buffer {
  return createHmac('sha256', codeKey).update(`decoy:${usernameKey(username)}`).digest();
}

/** Throttling counts decoys by name, with the same limits as real users. */
export function decoyThrottleKey(seed: Buffer): string {
  return `decoy:${seed.subarray(0, 16).toString('hex')}`;
}

const MAIL_DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.co.jp', 'icloud.com', 'docomo.ne.jp', 'hotmail.com'];
const DEVICES = ['iPhone', 'Pixel 8', 'Galaxy S24', 'iPad', 'AQUOS sense8', 'Xperia 10 V'];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

export interface DecoyMethod {
  /** Internal reference, like a real method's stored id. */
  ref: string;
  type: MethodType;
  hint: string;
}

function hintFor(type: MethodType, b: Buffer, policy: PolicyDocument): string {
  switch (type) {
    case 'email':
      return `${LETTERS[b[0]! % 26]}•••@${MAIL_DOMAINS[b[1]! % MAIL_DOMAINS.length]}`;
    case 'mobilePhone':
    case 'officePhone':
      return `+81 ••• •••• ••${String(b[2]! % 100).padStart(2, '0')}`;
    case 'authenticatorCode':
      return 'Authenticator app';
    case 'authenticatorPush':
      return DEVICES[b[3]! % DEVICES.length]!;
    case 'securityQuestions':
      return `${policy.sspr.securityQuestions.requiredToRegister} questions`;
  }
}

/** The order real users most often hold methods in; decoys favour the common ones. */
const PREFERENCE: MethodType[] = ['email', 'mobilePhone', 'authenticatorCode', 'securityQuestions', 'authenticatorPush', 'officePhone'];

/**
 * A decoy's methods under the requirement a user of that name would have (R10: an
 * administrator's excludes questions): only allowed types, at least as many as required,
 * the first ones always, each further one by a bit of the seed.
 */
export function decoyMethods(seed: Buffer, requirement: { required: number; types: readonly MethodType[] }, policy: PolicyDocument): DecoyMethod[] {
  const enabled = PREFERENCE.filter((t) => requirement.types.includes(t));
  const required = requirement.required;
  const picked = enabled.filter((_t, i) => i < required || (seed[8 + i]! & (i === required ? 1 : 3)) === 0);
  return picked.map((type) => {
    const b = createHmac('sha256', seed).update(`method:${type}`).digest();
    return { ref: `decoy-${type}`, type, hint: hintFor(type, b, policy) };
  });
}
