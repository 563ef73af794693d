import type { Locale, PhoneChannel } from '../../shared/api/common.js';
import { ProblemError } from '../errors.js';
import { newId } from '../security/tokens.js';
import type { PhoneGateway } from '../notify/sms-gateway.js';
import type { PolicyStore } from '../store/policy-store.js';
import { codeMatches, issueCode } from './codes.js';
import { maskPhone } from './masking.js';
import type { MethodKind } from './method-kind.js';
import type { MethodData } from '../store/method-store.js';
import { smsCodeMessage, voiceCodeMessage, type CodePurpose } from './messages.js';


/** Office phones take calls only; mobile phones a text (default) or a call. */
function channelFor(type: 'mobilePhone' | 'officePhone', asked: PhoneChannel | undefined): PhoneChannel {
  if (type === 'officePhone') {
    if (asked === 'sms') throw new ProblemError('invalid_request', 'An office phone can only be called (voice).');
    return 'voice';
  }
  return asked ?? 'sms';
}

export interface PhoneMethodDependencies {
  policyStore: PolicyStore;
  phoneGateway: PhoneGateway;
  /** HMAC key the one-time codes are bound with. */
  codeKey: Buffer;
}

/** Mobile phone (SMS or voice) and office phone (voice): a 6-digit code (R3). */
export function createPhoneMethod({ policyStore, phoneGateway, codeKey }: PhoneMethodDependencies): MethodKind {
  /** Hands a code to the SMS / voice gateway. Callers do not await it on the request path (R12, R13b). */
  async function sendPhoneCode(to: string, channel: PhoneChannel, code: string, purpose: CodePurpose, locale: Locale): Promise<void> {
    const { branding } = await policyStore.get();
    const text = channel === 'sms' ? smsCodeMessage(code, purpose, branding, locale) : voiceCodeMessage(code, purpose, branding, locale);
    await phoneGateway.send({ id: newId(), channel, to, text, locale });
  }

  return {
    answeredWith: 'code',
    verifyCounts: ['phone.verify'],
    validateStart(type, channel) {
      if (type !== 'mobilePhone' && type !== 'officePhone') throw new Error('phone kind got another type');
      channelFor(type, channel);
    },
    async start({ challengeId, target, type, channel, locale }) {
      const via = channelFor(type as 'mobilePhone' | 'officePhone', channel);
      const { code, hash } = issueCode(codeKey, challengeId);
      const number = target ? (target.data as MethodData['mobilePhone']).number : null;
      return {
        codeHash: hash,
        data: { channel: via },
        reply: {},
        counts: ['phone.sent'],
        deliver: number ? () => sendPhoneCode(number, via, code, 'reset', locale) : null,
      };
    },
    async check({ challenge, target, input }) {
      const ok = 'code' in input && codeMatches(codeKey, challenge.id, input.code, challenge.codeHash);
      return target !== null && ok;
    },
    proof: 'sentCode',
    async register({ body, locale }) {
      if (body.type !== 'mobilePhone' && body.type !== 'officePhone') throw new Error('phone kind got another type');
      const via = channelFor(body.type, body.type === 'mobilePhone' ? body.channel : undefined);
      const number = body.number;
      return {
        type: body.type,
        hint: maskPhone(number),
        data: { number },
        verified: false,
        replacesAtOnce: false,
        sendCode: (code) => sendPhoneCode(number, via, code, 'registration', body.locale ?? locale),
        sendCounts: ['phone.sent'],
      };
    },
  };
}
