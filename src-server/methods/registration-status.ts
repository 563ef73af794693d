import type { MethodType } from '../../shared/api/common.js';
import type { PolicyDocument } from '../../shared/api/policy.js';
import type { DirectoryUser } from '../directory/directory.js';
import { maskEmail, maskPhone } from './masking.js';
import type { MethodRecord, MethodSource } from '../store/method-store.js';

const DAY_MS = 86_400_000;

/** A method that can be used to prove identity right now. */
export interface UsableMethod {
  id: string;
  type: MethodType;
  hint: string;
  source: MethodSource;
}

/** R10: administrators need 2 methods and never security questions. */
export function effectiveRequirement(user: Pick<DirectoryUser, 'isAdmin'>, policy: PolicyDocument): { required: number; types: MethodType[] } {
  const enabled = policy.sspr.methods;
  if (user.isAdmin) return { required: 2, types: enabled.filter((t) => t !== 'securityQuestions') };
  return { required: policy.sspr.methodsRequired, types: [...enabled] };
}

/**
 * Methods this user can use under this policy (R3, R4, R8, R10): verified stored methods of
 * enabled types, plus contact data the directory holds. An email method equal to the
 * account's own address does not count (R3: "an address other than the account's own").
 */
export function usableMethods(user: DirectoryUser, stored: MethodRecord[], policy: PolicyDocument): UsableMethod[] {
  const { types } = effectiveRequirement(user, policy);
  const own = user.email?.toLowerCase() ?? null;
  const out: UsableMethod[] = [];
  for (const m of stored) {
    if (!m.verified || !types.includes(m.type)) continue;
    if (m.type === 'email' && own && (m.data as { address: string }).address.toLowerCase() === own) continue;
    out.push({ id: m.id, type: m.type, hint: m.hint, source: m.source });
  }
  const has = (t: MethodType) => out.some((m) => m.type === t);
  const c = user.contact;
  if (c.mobilePhone && types.includes('mobilePhone') && !has('mobilePhone')) out.push({ id: 'dir-mobilePhone', type: 'mobilePhone', hint: maskPhone(c.mobilePhone), source: 'directory' });
  if (c.officePhone && types.includes('officePhone') && !has('officePhone')) out.push({ id: 'dir-officePhone', type: 'officePhone', hint: maskPhone(c.officePhone), source: 'directory' });
  if (c.alternateEmail && types.includes('email') && !has('email') && c.alternateEmail.toLowerCase() !== own) out.push({ id: 'dir-email', type: 'email', hint: maskEmail(c.alternateEmail), source: 'directory' });
  return out;
}

export interface RegistrationState {
  registered: boolean;
  required: number;
  methods: MethodType[];
  mustRegister: boolean;
  reconfirmDueAt: Date | null;
  mustReconfirm: boolean;
}

/** R4, R5, R6: whether the user is registered, and whether to ask them to register or reconfirm. */
export function registrationState(input: {
  user: DirectoryUser;
  stored: MethodRecord[];
  policy: PolicyDocument;
  inScope: boolean;
  confirmedAt: Date | null;
  now: Date;
}): RegistrationState {
  const { required } = effectiveRequirement(input.user, input.policy);
  const usable = usableMethods(input.user, input.stored, input.policy);
  const types = [...new Set(usable.map((m) => m.type))];
  const registered = types.length >= required;
  const days = input.policy.sspr.reconfirmAfterDays;
  let reconfirmDueAt: Date | null = null;
  if (registered && days > 0) {
    const userMethods = input.stored.filter((m) => m.verified && m.source === 'user');
    const since = input.confirmedAt ?? (userMethods.length ? new Date(Math.max(...userMethods.map((m) => (m.verifiedAt ?? m.createdAt).getTime()))) : null);
    if (since) reconfirmDueAt = new Date(since.getTime() + days * DAY_MS);
  }
  const mustReconfirm = input.inScope && reconfirmDueAt !== null && reconfirmDueAt.getTime() <= input.now.getTime();
  return {
    registered,
    required,
    methods: types,
    mustRegister: input.inScope && input.policy.sspr.requireRegistrationAtSignIn && !registered,
    reconfirmDueAt,
    mustReconfirm,
  };
}
