import type { Locale } from '../../shared/api/common.js';
import { en, type Catalogue } from './en.js';
import { ja } from './ja.js';

export type { Catalogue };

export const CATALOGUES: Record<Locale, Catalogue> = { en, ja };

/** The locale to start in before main's config answers: the OS / browser language. */
export function systemLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    const base = tag.slice(0, 2).toLowerCase();
    if (base === 'ja' || base === 'en') return base;
  }
  return 'en';
}

/** "14:05" today, "11/24 14:05" another day — when a locked-out user may retry. */
export function formatWhen(at: Date, locale: Locale, now: Date): string {
  const sameDay = at.toDateString() === now.toDateString();
  const opts: Intl.DateTimeFormatOptions = sameDay
    ? { hour: '2-digit', minute: '2-digit' }
    : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', opts).format(at);
}

export function formatDate(at: Date, locale: Locale): string {
  return new Intl.DateTimeFormat(locale === 'ja' ? 'ja-JP' : 'en-GB', { year: 'numeric', month: 'long', day: 'numeric' }).format(at);
}
