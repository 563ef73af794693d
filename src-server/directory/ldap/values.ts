import { LOCALES, type Locale } from '../../../shared/api/common.js';
import type { Entry } from 'ldapts';

/**
 * Reading attribute values out of ldapts entries, and the directory value formats:
 * GeneralizedTime (OpenLDAP), Windows FILETIME and GUIDs (Active Directory), E.164 phones.
 */

const asText = (x: string | Buffer): string => (Buffer.isBuffer(x) ? x.toString('utf8') : x);

/** Attribute names come back in the server's spelling; look them up case-insensitively. */
export class Attrs {
  private readonly map = new Map<string, Entry[string]>();
  readonly dn: string;

  constructor(entry: Entry) {
    this.dn = entry.dn;
    for (const [k, v] of Object.entries(entry)) if (k !== 'dn') this.map.set(k.toLowerCase(), v);
  }

  all(name: string): string[] {
    const v = this.map.get(name.toLowerCase());
    if (v === undefined) return [];
    return (Array.isArray(v) ? v : [v]).map(asText);
  }

  first(name: string): string | null {
    // Read in place: a user's look-up asks for a dozen attributes, each once.
    const x = this.firstValue(name);
    const text = x === undefined ? undefined : asText(x);
    return text === undefined || text === '' ? null : text;
  }

  buffer(name: string): Buffer | null {
    const x = this.firstValue(name);
    if (x === undefined) return null;
    return Buffer.isBuffer(x) ? x : Buffer.from(x, 'utf8');
  }

  private firstValue(name: string): string | Buffer | undefined {
    const v = this.map.get(name.toLowerCase());
    return Array.isArray(v) ? v[0] : v;
  }

  has(name: string): boolean {
    const v = this.map.get(name.toLowerCase());
    return v !== undefined && (!Array.isArray(v) || v.length > 0);
  }
}

/** RFC 4517 GeneralizedTime as OpenLDAP writes it: `20261123031125Z` or `20261123031132.484662Z`. */
export function parseGeneralizedTime(value: string | null): Date | null {
  if (!value) return null;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?Z$/.exec(value);
  if (!m) return null;
  const ms = m[7] ? Math.round(Number(`0.${m[7]}`) * 1000) : 0;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5] ?? 0), Number(m[6] ?? 0), ms));
}

/**
 * RFC 2798 `preferredLanguage` (Accept-Language syntax: `ja`, `en-GB`, `fr, ja;q=0.8`) → the
 * most preferred language the product speaks, null when it speaks none of them.
 */
export function preferredLocale(value: string | null): Locale | null {
  if (!value) return null;
  const ranked = value
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((x) => x !== undefined);
      return { base: tag.trim().split('-')[0]!.toLowerCase(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((l) => l.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  const hit = ranked.find((l): l is typeof l & { base: Locale } => (LOCALES as readonly string[]).includes(l.base));
  return hit?.base ?? null;
}

/** The newest of some times, null when none parses. */
export function latest(times: Array<Date | null>): Date | null {
  return times.reduce<Date | null>((max, t) => (t !== null && (max === null || t > max) ? t : max), null);
}

const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;
/** AD's "never": 0x7FFFFFFFFFFFFFFF (and the unsigned all-ones some tools write). */
export const FILETIME_NEVER = 0x7fffffffffffffffn;

/** Windows FILETIME (100 ns ticks since 1601-01-01) → Date; 0 and "never" → null. */
export function parseFiletime(value: string | null): Date | null {
  if (!value || !/^-?\d+$/.test(value)) return null;
  const ticks = BigInt(value);
  if (ticks <= 0n || ticks >= FILETIME_NEVER) return null;
  return new Date(Number(ticks / 10_000n - FILETIME_EPOCH_OFFSET_MS));
}

/** AD intervals (minPwdAge, lockoutDuration…) are negative 100 ns counts; → milliseconds, "never" → null. */
export function parseInterval(value: string | null): number | null {
  if (!value || !/^-?\d+$/.test(value)) return null;
  const ticks = BigInt(value);
  if (ticks === -0x8000000000000000n) return null;
  return Number((ticks < 0n ? -ticks : ticks) / 10_000n);
}

/** objectGUID bytes → the usual string form (the first three groups are little-endian). */
export function guidToString(bytes: Buffer): string {
  const h = bytes.toString('hex');
  const swap = (s: string) => s.match(/../g)!.reverse().join('');
  return `${swap(h.slice(0, 8))}-${swap(h.slice(8, 12))}-${swap(h.slice(12, 16))}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** The inverse of guidToString; null when the text is not a GUID. */
export function guidToBytes(value: string): Buffer | null {
  if (!isUuid(value)) return null;
  const h = value.replace(/-/g, '').toLowerCase();
  const swap = (s: string) => s.match(/../g)!.reverse().join('');
  return Buffer.from(swap(h.slice(0, 8)) + swap(h.slice(8, 12)) + swap(h.slice(12, 16)) + h.slice(16), 'hex');
}

/**
 * A phone number from the directory in the product's form (E.164, optionally a space after
 * the country code). Directories hold numbers as people typed them (`+81 90-1234-5678`); the
 * separator after a 1–3 digit prefix marks the country code. A number without `+` cannot be
 * dialled by the gateway and is not offered as a method.
 */
export function toE164(value: string | null): string | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (!/^\+[\d\s\-().]+$/.test(trimmed)) return null;
  const digits = trimmed.slice(1).replace(/\D/g, '');
  if (digits.length < 8 || digits.length > 15) return null;
  const cc = /^\+(\d{1,3})[\s\-.(]/.exec(trimmed);
  return cc ? `+${cc[1]} ${digits.slice(cc[1]!.length)}` : `+${digits}`;
}

/** Loose DN comparison: case and spaces around separators do not matter. */
export function normalizeDn(dn: string): string {
  return dn.trim().toLowerCase().replace(/\s*([,=+])\s*/g, '$1');
}

/** The value of a DN's first RDN (`cn=Domain Admins,cn=Users,…` → `Domain Admins`). */
export function firstRdnValue(dn: string): string {
  const m = /^[^=]+=((?:\\.|[^,+\\])*)/.exec(dn);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : dn;
}

/** A policy scope group or admin group given as a DN rather than a name. */
export function looksLikeDn(value: string): boolean {
  return /^[A-Za-z][A-Za-z0-9-]*=/.test(value.trim()) && value.includes('=');
}
