import type { MethodType } from '../../shared/api/common.js';
import { emailKind } from './email.js';
import type { MethodKind } from './method-kind.js';
import { phoneKind } from './phone.js';
import { pushKind } from './push.js';
import { questionsKind } from './security-questions.js';
import { totpKind } from './totp.js';

/** The method modules by type: the flows reach every type through this one table. */
export const METHOD_KINDS: Readonly<Record<MethodType, MethodKind>> = {
  email: emailKind,
  mobilePhone: phoneKind,
  officePhone: phoneKind,
  authenticatorCode: totpKind,
  authenticatorPush: pushKind,
  securityQuestions: questionsKind,
};

export type { MethodKind } from './method-kind.js';
