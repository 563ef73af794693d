/**
 * Managed config from the three OS sources, parsed and validated without touching the OS:
 * `reg query /s` text (Windows), `plutil -convert json` output (macOS), JSON (Linux).
 * A bad value yields ONE message naming the field; the app then runs on defaults.
 */
import { ManagedConfig, SETTING_KEYS } from '../../shared/ipc/config.js';

type ManagedParse = { ok: true; config: ManagedConfig } | { ok: false; problem: string };

const BOOLEAN_KEYS = new Set<string>(['kioskMode', 'autoStart', 'allowDevTools']);
const NUMBER_KEYS = new Set<string>(['idleTimeoutSeconds']);
const NUMBER_LIST_KEYS = new Set<string>(['warningDays']);
const BRANDING_KEYS = ['organizationName', 'contactAdmin', 'logoDataUrl'] as const;

interface RegValue {
  type: string;
  data: string;
}

/**
 * `reg query "<key>" /s` output → key path → value name → value. REG_MULTI_SZ data is shown
 * with `\0` between items; REG_DWORD as `0x…`.
 */
export function parseRegQueryOutput(output: string): Map<string, Map<string, RegValue>> {
  const keys = new Map<string, Map<string, RegValue>>();
  let current: Map<string, RegValue> | null = null;
  for (const line of output.split(/\r?\n/)) {
    if (/^HKEY_/i.test(line)) {
      current = new Map();
      keys.set(line.trim(), current);
      continue;
    }
    const m = /^ {4}(.+?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/.exec(line);
    if (m && current) current.set(m[1]!, { type: m[2]!, data: m[3] ?? '' });
  }
  return keys;
}

function regToJs(v: RegValue): unknown {
  switch (v.type) {
    case 'REG_DWORD':
    case 'REG_QWORD':
      return Number.parseInt(v.data, 16);
    case 'REG_MULTI_SZ':
      return v.data === '' ? [] : v.data.split('\\0');
    default:
      return v.data;
  }
}

/** Registry value names are case-insensitive (`ServerUrl`, `serverurl`): map them to our keys. */
function settingKeyFor(name: string, known: readonly string[]): string {
  return known.find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
}

/** The policy key's values (and its `Branding` subkey) as a raw object for `validateManaged`. */
export function registryToRaw(output: string, policyKey: string): Record<string, unknown> | null {
  const keys = parseRegQueryOutput(output);
  const norm = (k: string) => k.toLowerCase().replace(/^hklm\\/, 'hkey_local_machine\\');
  const root = norm(policyKey);
  const raw: Record<string, unknown> = {};
  let found = false;
  for (const [path, values] of keys) {
    const p = norm(path);
    if (p === root) {
      found = true;
      for (const [name, value] of values) raw[settingKeyFor(name, SETTING_KEYS)] = regToJs(value);
    } else if (p === `${root}\\branding`) {
      found = true;
      const branding: Record<string, unknown> = {};
      for (const [name, value] of values) branding[settingKeyFor(name, BRANDING_KEYS)] = regToJs(value);
      raw.branding = branding;
    }
  }
  return found ? raw : null;
}

/** macOS: the plist as JSON; profile bookkeeping keys (`Payload…`) are not settings. */
export function plistJsonToRaw(json: string): Record<string, unknown> {
  const obj = JSON.parse(json) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(obj).filter(([k]) => !k.startsWith('Payload') && k !== 'PayloadContent'));
}

/**
 * Registry and plist values arrive loosely typed (DWORD 0/1, "14,7,3,1", "true"): coerce only
 * those obvious spellings, then let the schema judge.
 */
function coerce(raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw };
  for (const [k, v] of Object.entries(raw)) {
    if (BOOLEAN_KEYS.has(k)) {
      if (v === 0 || v === 1) out[k] = v === 1;
      else if (v === 'true' || v === 'false') out[k] = v === 'true';
    } else if (NUMBER_KEYS.has(k) && typeof v === 'string' && /^\d+$/.test(v)) {
      out[k] = Number(v);
    } else if (NUMBER_LIST_KEYS.has(k)) {
      const items = typeof v === 'string' ? v.split(/[\s,;]+/).filter(Boolean) : v;
      if (Array.isArray(items)) out[k] = items.map((x) => (typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : x));
    }
  }
  return out;
}

export function validateManaged(raw: unknown, location: string): ManagedParse {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, problem: `Managed config ${location}: expected an object of settings; running on defaults.` };
  }
  const result = ManagedConfig.safeParse(coerce(raw as Record<string, unknown>));
  if (result.success) return { ok: true, config: result.data };
  const issue = result.error.issues[0]!;
  const field = issue.path.length ? issue.path.map(String).join('.') : unknownKey(issue) ?? '(root)';
  return { ok: false, problem: `Managed config ${location}: "${field}" ${issue.message}; running on defaults.` };
}

function unknownKey(issue: { code: string; keys?: string[] }): string | null {
  return issue.code === 'unrecognized_keys' && issue.keys?.length ? issue.keys.join(', ') : null;
}

