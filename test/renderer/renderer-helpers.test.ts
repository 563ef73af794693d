import { describe, expect, it } from 'vitest';
import { digitsOf } from '../../src-renderer/components/code-digits.js';
import { en } from '../../src-renderer/i18n/en.js';
import { CATALOGUES, formatWhen, systemLocale } from '../../src-renderer/i18n/index.js';
import { ja } from '../../src-renderer/i18n/ja.js';

describe('code entry', () => {
  it('keeps the digits of what was typed or pasted', () => {
    expect(digitsOf('123456', 6)).toBe('123456');
    expect(digitsOf('123 456', 6)).toBe('123456');
    expect(digitsOf('123-456', 6)).toBe('123456');
    expect(digitsOf('１２３４５６', 6)).toBe('123456');
    expect(digitsOf('12', 6)).toBe('12');
    expect(digitsOf('1234567', 6)).toBe('123456');
  });

  it('finds the code in a pasted line of mail text', () => {
    expect(digitsOf('Your code is 482913. It is valid for 5 minutes.', 6)).toBe('482913');
    expect(digitsOf('2026年のコード: 482 913', 6)).toBe('482913');
  });
});

describe('catalogues', () => {
  function keys(o: object, prefix = ''): string[] {
    return Object.entries(o).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? keys(v, `${prefix}${k}.`) : [`${prefix}${k}`]));
  }

  it('R20: ja and en carry the same keys and no empty text', () => {
    expect(keys(ja).sort()).toEqual(keys(en).sort());
    for (const catalogue of Object.values(CATALOGUES)) {
      for (const key of keys(catalogue)) {
        const value = key.split('.').reduce<any>((o, k) => o[k], catalogue);
        const text = typeof value === 'function' ? value(3, 3) : Array.isArray(value) ? value.join('') : value;
        expect(String(text).trim().length, key).toBeGreaterThan(0);
      }
    }
  });

  it('the switch button names the other language in that language', () => {
    expect(en.app.switchLanguage).toBe('日本語');
    expect(ja.app.switchLanguage).toBe('English');
  });

  it('starts in the OS language when it is Japanese or English, else English', () => {
    expect(systemLocale(['ja-JP', 'en-US'])).toBe('ja');
    expect(systemLocale(['de-DE', 'en-GB'])).toBe('en');
    expect(systemLocale(['fr-FR'])).toBe('en');
  });

  it('says a lockout wait in plain units', () => {
    expect(en.time.wait(30)).toBe('30 seconds');
    expect(en.time.wait(600)).toBe('10 minutes');
    expect(en.time.wait(86_400)).toBe('24 hours');
    expect(ja.time.wait(86_400)).toBe('24 時間');
    const now = new Date('2026-11-23T09:00:00');
    expect(formatWhen(new Date('2026-11-23T14:05:00'), 'en', now)).toBe('14:05');
    expect(formatWhen(new Date('2026-11-24T09:00:00'), 'ja', now)).toMatch(/11月24日/);
  });
});

describe('delivery_failed (issue 10 item 3)', () => {
  it('names the method the code could not go through and offers another, in ja and en', async () => {
    const { errorText } = await import('../../src-renderer/components/error-text.js');
    const { problemToIpcError } = await import('../../src-main/common/problem.js');
    const error = problemToIpcError(503, { type: 'x', title: 'The code could not be sent', status: 503, code: 'delivery_failed', method: 'mobilePhone', retryAfterSeconds: 30 }, '30', new Date());
    expect(error).toMatchObject({ code: 'delivery_failed', method: 'mobilePhone', retryAfterSeconds: 30 });
    expect(errorText(en, error, 'IT')).toContain(en.methodNames.mobilePhone);
    expect(errorText(en, error, 'IT')).toContain('try another method');
    expect(errorText(ja, error, 'IT')).toContain(ja.methodNames.mobilePhone);
    expect(errorText(ja, error, 'IT')).toContain('別の方法');
  });
});
