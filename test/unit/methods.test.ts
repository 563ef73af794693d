import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { approvalSigningString } from '../../shared/api/me.js';
import { DEFAULT_POLICY, type PolicyDocument } from '../../shared/api/policy.js';
import { codeMatches, issueCode } from '../../src-server/methods/codes.js';
import { decoyMethods, decoySeed, decoyThrottleKey } from '../../src-server/methods/decoy.js';
import { emailCodeMessage, smsCodeMessage, voiceCodeMessage } from '../../src-server/methods/messages.js';
import { approvalSignatureValid, parsePushKey } from '../../src-server/methods/push.js';
import { decoyQuestionIds, drawQuestions } from '../../src-server/methods/security-questions.js';
import { matchTotpStep, newTotpData, otpauthUri } from '../../src-server/methods/totp.js';

const KEY = Buffer.alloc(32, 7);
const ALL = { required: 1, types: DEFAULT_POLICY.sspr.methods };

function oathtool(secret: string, at: Date): string {
  return execFileSync('oathtool', ['--totp', '-b', '--now', `${at.toISOString().replace('T', ' ').slice(0, 19)} UTC`, secret]).toString().trim();
}

describe('one-time codes', () => {
  it('R13: 6 digits, bound to their challenge', () => {
    const { code, hash } = issueCode(KEY, 'ch1');
    expect(code).toMatch(/^\d{6}$/);
    expect(codeMatches(KEY, 'ch1', code, hash)).toBe(true);
    expect(codeMatches(KEY, 'ch1', `${code.slice(0, 3)} ${code.slice(3)}`, hash)).toBe(true);
    expect(codeMatches(KEY, 'ch2', code, hash)).toBe(false);
    expect(codeMatches(KEY, 'ch1', code, null)).toBe(false);
  });
});

describe('TOTP (RFC 6238) against oathtool', () => {
  it('accepts the current step and one either side, and names the step', () => {
    const data = newTotpData();
    expect(data).toMatchObject({ algorithm: 'SHA1', digits: 6, period: 30 });
    const now = new Date('2026-01-05T09:00:10Z');
    const step = Math.floor(now.getTime() / 30_000);
    expect(matchTotpStep(data, oathtool(data.secret, now), now)).toBe(step);
    expect(matchTotpStep(data, oathtool(data.secret, new Date(now.getTime() - 30_000)), now)).toBe(step - 1);
    expect(matchTotpStep(data, oathtool(data.secret, new Date(now.getTime() + 30_000)), now)).toBe(step + 1);
    expect(matchTotpStep(data, oathtool(data.secret, new Date(now.getTime() - 60_000)), now)).toBeNull();
    expect(matchTotpStep(data, 'abcdef', now)).toBeNull();
    expect(otpauthUri(data, 'Example Corp', 'taro')).toMatch(/^otpauth:\/\/totp\/Example%20Corp:taro\?/);
  });
});

describe('push approvals', () => {
  it('verifies an Ed25519 signature over the decision, and nothing else', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const spki = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(parsePushKey(spki)).not.toBeNull();
    expect(parsePushKey('not base64!')).toBeNull();
    expect(parsePushKey(generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'der' }).toString('base64'))).toBeNull();
    const sig = sign(null, Buffer.from(approvalSigningString('a1', true, 42)), privateKey).toString('base64');
    expect(approvalSignatureValid(spki, 'a1', true, 42, sig)).toBe(true);
    expect(approvalSignatureValid(spki, 'a1', true, 43, sig)).toBe(false);
    expect(approvalSignatureValid(spki, 'a1', false, 42, sig)).toBe(false);
    expect(approvalSignatureValid(spki, 'a2', true, 42, sig)).toBe(false);
    expect(approvalSignatureValid(spki, 'a1', true, 42, 'AAAA')).toBe(false);
  });
});

describe('R13b decoys', () => {
  it('are stable per case-folded name and differ between names', () => {
    const a = decoySeed(KEY, 'Alice');
    expect(decoySeed(KEY, 'ＡＬＩＣＥ')).toEqual(a);
    expect(decoySeed(KEY, 'bob')).not.toEqual(a);
    expect(decoyThrottleKey(a)).toMatch(/^decoy:[0-9a-f]{32}$/);
    expect(decoyMethods(a, ALL, DEFAULT_POLICY)).toEqual(decoyMethods(decoySeed(KEY, 'alice'), ALL, DEFAULT_POLICY));
  });

  it('offer only allowed types, at least as many as required, email first when enabled', () => {
    const counts = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const m = decoyMethods(decoySeed(KEY, `user${i}`), ALL, DEFAULT_POLICY);
      expect(m[0]!.type).toBe('email');
      counts.set(m.length, (counts.get(m.length) ?? 0) + 1);
      const two = decoyMethods(decoySeed(KEY, `user${i}`), { required: 2, types: ['mobilePhone', 'officePhone', 'authenticatorPush'] }, DEFAULT_POLICY);
      expect(two.length).toBeGreaterThanOrEqual(2);
      expect(two.every((x) => ['mobilePhone', 'officePhone', 'authenticatorPush'].includes(x.type))).toBe(true);
    }
    // Some have one method, some more: like a real population.
    expect(counts.size).toBeGreaterThan(1);
  });

  it('R9d: a decoy "registered" as many questions as the policy asks; draws are random subsets', () => {
    const policy: PolicyDocument = { ...DEFAULT_POLICY, sspr: { ...DEFAULT_POLICY.sspr, securityQuestions: { requiredToRegister: 5, requiredToReset: 3, custom: [] } } };
    const ids = decoyQuestionIds(decoySeed(KEY, 'x'), policy);
    expect(ids).toHaveLength(5);
    expect(decoyQuestionIds(decoySeed(KEY, 'x'), policy)).toEqual(ids);
    const draws = new Set(Array.from({ length: 30 }, () => drawQuestions(ids, 3).sort().join()));
    expect(draws.size).toBeGreaterThan(1);
    for (const d of draws) expect(d.split(',').every((id) => ids.includes(id))).toBe(true);
  });
});

describe('R12 / R20 code messages', () => {
  const branding = { organizationName: 'Example Corp', logoUrl: null, contactAdmin: 'https://help.example.com' };
  it('are localised, branded and carry the contact line', () => {
    const en = emailCodeMessage('123456', 'reset', branding, 'en');
    expect(en.subject).toBe('[Example Corp] Your verification code: 123456');
    expect(en.text).toContain('https://help.example.com');
    const ja = emailCodeMessage('123456', 'reset', branding, 'ja');
    expect(ja.text).toContain('5 分間');
    expect(ja.text).toContain('https://help.example.com');
    expect(emailCodeMessage('123456', 'reset', { ...branding, organizationName: '' }, 'en').subject).toContain('[Password reset]');
  });

  it('texts fit one SMS (160 GSM characters, 70 in Japanese); calls say the digits one by one, twice', () => {
    expect(smsCodeMessage('123456', 'reset', branding, 'en').length).toBeLessThanOrEqual(160);
    expect(smsCodeMessage('123456', 'reset', branding, 'ja').length).toBeLessThanOrEqual(70);
    const voice = voiceCodeMessage('123456', 'reset', branding, 'en');
    expect(voice.match(/1, 2, 3, 4, 5, 6/g)).toHaveLength(2);
    expect(voiceCodeMessage('123456', 'registration', branding, 'ja')).toContain('1、2、3、4、5、6');
  });
});
