import type { Violation } from '../../../shared/api/errors.js';
import { PASSWORD_MESSAGES } from '../../../shared/i18n/messages.js';
import type { PpolicyError } from './controls.js';
import type { Attrs } from './values.js';

/** The parts of an OpenLDAP ppolicy entry (draft-behera pwdPolicy) the adapter applies. */
export interface PasswordPolicy {
  dn: string;
  maxAgeSeconds: number;
  minAgeSeconds: number;
  inHistory: number;
  minLength: number;
  maxLength: number;
  lockout: boolean;
  lockoutDurationSeconds: number;
  mustChange: boolean;
  graceAuthNLimit: number;
}

export const PPOLICY_ATTRIBUTES = [
  'pwdMaxAge', 'pwdMinAge', 'pwdInHistory', 'pwdMinLength', 'pwdMaxLength',
  'pwdLockout', 'pwdLockoutDuration', 'pwdMustChange', 'pwdGraceAuthNLimit',
];

export function parsePolicy(entry: Attrs): PasswordPolicy {
  const int = (name: string) => {
    const n = Number(entry.first(name) ?? 0);
    return Number.isFinite(n) ? n : 0;
  };
  return {
    dn: entry.dn,
    maxAgeSeconds: int('pwdMaxAge'),
    minAgeSeconds: int('pwdMinAge'),
    inHistory: int('pwdInHistory'),
    minLength: int('pwdMinLength'),
    maxLength: int('pwdMaxLength'),
    lockout: entry.first('pwdLockout') === 'TRUE',
    lockoutDurationSeconds: int('pwdLockoutDuration'),
    mustChange: entry.first('pwdMustChange') === 'TRUE',
    graceAuthNLimit: int('pwdGraceAuthNLimit'),
  };
}

/** `pwdAccountLockedTime` with this value: locked by an administrator until one unlocks it. */
export const ADMIN_LOCK = '000001010000Z';

const m = PASSWORD_MESSAGES.en;

/**
 * R18b: the directory's refusal, from the ppolicy response control (and the result code
 * when the control says nothing), as violations the user can act on. Rule ids are the keys
 * of PASSWORD_MESSAGES so a client can show them in its own language.
 */
export function ppolicyViolations(error: PpolicyError | undefined, policy: PasswordPolicy | null, diagnostic: string): Violation[] {
  switch (error) {
    case 'passwordTooShort':
      return [{ rule: 'minLength', message: m.minLength(policy?.minLength ?? 0) }];
    case 'passwordTooLong':
      return [{ rule: 'maxLength', message: m.maxLength(policy?.maxLength ?? 0) }];
    case 'passwordInHistory':
      // ppolicy answers "in history" for the current password too.
      return [{ rule: 'history', message: m.history(policy?.inHistory ?? 1) }];
    case 'passwordTooYoung':
      return [{ rule: 'tooYoung', message: m.tooYoung }];
    case 'insufficientPasswordQuality':
      return [{ rule: 'directoryQuality', message: m.directoryQuality }];
    case 'mustSupplyOldPassword':
      return [{ rule: 'currentPassword', message: m.currentPassword }];
    case 'passwordModNotAllowed':
      return [{ rule: 'changeNotAllowed', message: m.changeNotAllowed }];
    default:
      // No control (or an error a write cannot get): say what the directory said, briefly.
      return [{ rule: 'directory', message: diagnostic ? `${m.directory} (${diagnostic})` : m.directory }];
  }
}
