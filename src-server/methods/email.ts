import { ProblemError } from '../errors.js';
import type { Mailer } from '../notify/mailer.js';
import type { PolicyStore } from '../store/policy-store.js';
import { codeMatches, issueCode } from './codes.js';
import { maskEmail } from './masking.js';
import type { MethodKind } from './method-kind.js';
import type { MethodData } from '../store/method-store.js';
import { emailCodeMessage, type CodePurpose } from './messages.js';
import type { Locale } from '../../shared/api/common.js';

export interface EmailMethodDependencies {
  policyStore: PolicyStore;
  mailer: Mailer;
  /** HMAC key the one-time codes are bound with. */
  codeKey: Buffer;
}

/** Email (R3): a 6-digit code to an address other than the account's own. */
export function createEmailMethod({ policyStore, mailer, codeKey }: EmailMethodDependencies): MethodKind {
  /** Hands a code mail to the relay. Callers do not await it on the request path (R12, R13b). */
  async function sendEmailCode(address: string, code: string, purpose: CodePurpose, locale: Locale): Promise<void> {
    const { branding } = await policyStore.get();
    const { subject, text } = emailCodeMessage(code, purpose, branding, locale);
    await mailer.send({ to: address, subject, text });
  }

  return {
    answeredWith: 'code',
    verifyCounts: [],
    validateStart(_type, channel) {
      if (channel) throw new ProblemError('invalid_request', 'An email code has no channel.');
    },
    async start({ challengeId, target, locale }) {
      const { code, hash } = issueCode(codeKey, challengeId);
      const address = target ? (target.data as MethodData['email']).address : null;
      return {
        codeHash: hash,
        data: {},
        reply: {},
        counts: ['email.sent'],
        deliver: address ? () => sendEmailCode(address, code, 'reset', locale) : null,
      };
    },
    async check({ challenge, target, input }) {
      const ok = 'code' in input && codeMatches(codeKey, challenge.id, input.code, challenge.codeHash);
      return target !== null && ok;
    },
    proof: 'sentCode',
    async register({ user, body, locale }) {
      if (body.type !== 'email') throw new Error('email kind got another type');
      const address = body.address.trim();
      if (user.email && address.toLowerCase() === user.email.toLowerCase()) {
        throw new ProblemError('invalid_request', 'Use an email address other than your account\'s own (R3).', {
          violations: [{ rule: 'ownAddress', message: locale === 'ja' ? 'アカウント自身のメールアドレス以外を指定してください。' : 'Use an address other than your account\'s own.' }],
        });
      }
      return {
        type: 'email',
        hint: maskEmail(address),
        data: { address },
        verified: false,
        replacesAtOnce: false,
        sendCode: (code) => sendEmailCode(address, code, 'registration', body.locale ?? locale),
        sendCounts: ['email.sent'],
      };
    },
  };
}
