import { describe, expect, it } from 'vitest';
import { methodChangeVerdict, STEP_UP_TTL_MS } from '../../src-server/auth/step-up-rules.js';

const now = new Date('2026-01-05T09:00:00Z');
const base = { isAdmin: false, usableMethods: 1, provenAt: null, boundToSignIn: true, firstMethodsWithPassword: true, now };

describe('methodChangeVerdict (R26, R27)', () => {
  it('R26: a step-up made within ten minutes allows a change; older or future-dated ones do not', () => {
    expect(methodChangeVerdict({ ...base, provenAt: now.getTime() - STEP_UP_TTL_MS })).toEqual({ allowed: true, by: 'stepUp' });
    expect(methodChangeVerdict({ ...base, provenAt: now.getTime() - STEP_UP_TTL_MS - 1 })).toEqual({ allowed: false, reason: 'stepUpNeeded' });
    expect(methodChangeVerdict({ ...base, provenAt: now.getTime() + 1 })).toEqual({ allowed: false, reason: 'stepUpNeeded' });
    expect(methodChangeVerdict({ ...base, boundToSignIn: false })).toEqual({ allowed: false, reason: 'signInUnbound' });
  });

  it('R27: first methods with the password alone only for an ordinary user holding none, when the policy allows', () => {
    expect(methodChangeVerdict({ ...base, usableMethods: 0 })).toEqual({ allowed: true, by: 'firstMethods' });
    expect(methodChangeVerdict({ ...base, usableMethods: 0, firstMethodsWithPassword: false })).toEqual({ allowed: false, reason: 'passNeeded' });
    expect(methodChangeVerdict({ ...base, usableMethods: 0, isAdmin: true })).toEqual({ allowed: false, reason: 'administratorNeedsPass' });
    expect(methodChangeVerdict({ ...base, usableMethods: 0, isAdmin: true, provenAt: now.getTime() })).toEqual({ allowed: true, by: 'stepUp' });
  });
});
