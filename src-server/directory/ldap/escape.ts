/**
 * Escaping for everything a user can type that ends up in an LDAP request, so input such
 * as `*)(uid=*` is matched literally and never widens a search (LDAP injection).
 */

/**
 * RFC 4515 §3: a value inside a string search filter. `*`, `(`, `)`, `\`, NUL and the other
 * control characters become `\XX`. Other characters stay as they are (RFC 4515 allows UTF-8
 * in values; ldapts would turn `\XX` escapes above 0x7F into the wrong bytes).
 */
export function escapeFilterValue(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f || ch === '*' || ch === '(' || ch === ')' || ch === '\\') out += '\\' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out;
}

/** RFC 4514 §2.4: an attribute value inside a distinguished name. */
export function escapeDnValue(value: string): string {
  const chars = [...value];
  return chars
    .map((ch, i) => {
      if (ch === '\0') return '\\00';
      if ('"+,;<>\\='.includes(ch)) return '\\' + ch;
      if (i === 0 && (ch === ' ' || ch === '#')) return '\\' + ch;
      if (i === chars.length - 1 && ch === ' ') return '\\ ';
      return ch;
    })
    .join('');
}

const ATTRIBUTE = /^[A-Za-z][A-Za-z0-9-]*$/;

/** `(attribute=value)` with the value escaped; the attribute name comes from code or config, never from a user. */
export function eq(attribute: string, value: string): string {
  if (!ATTRIBUTE.test(attribute)) throw new Error(`not an LDAP attribute name: ${attribute}`);
  return `(${attribute}=${escapeFilterValue(value)})`;
}

/** `(attribute:rule:=value)`: an extensible match, e.g. AD's LDAP_MATCHING_RULE_IN_CHAIN. */
export function extensible(attribute: string, rule: string, value: string): string {
  if (!ATTRIBUTE.test(attribute) || !/^[0-9.]+$/.test(rule)) throw new Error(`not an extensible match: ${attribute}:${rule}`);
  return `(${attribute}:${rule}:=${escapeFilterValue(value)})`;
}

export const and = (...parts: string[]): string => (parts.length === 1 ? parts[0]! : `(&${parts.join('')})`);
export const or = (...parts: string[]): string => (parts.length === 1 ? parts[0]! : `(|${parts.join('')})`);
