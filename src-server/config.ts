import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RATE_LIMITED_DOORS } from './throttle/rate-limit-rules.js';

/**
 * Server settings: a JSON file (`--config path`) overlaid by environment variables, which
 * win. A bad setting stops start-up with one clear line naming it (ConfigError).
 */
const Url = (protocols: string[]) =>
  z.string().refine((s) => {
    try {
      return protocols.includes(new URL(s).protocol);
    } catch {
      return false;
    }
  }, `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`);

const Ms = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);

const Flag = z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean());
/** `true`/`1`/`on` and `false`/`0`/`off` as environment variables spell them. */
const bool = (v: unknown) => (v === 'true' || v === '1' || v === 'on' ? true : v === 'false' || v === '0' || v === 'off' ? false : v);

export const ServerConfig = z.strictObject({
  port: z.coerce.number().int().min(0).max(65535).default(8787),
  host: z.string().min(1).default('127.0.0.1'),
  dataDir: z.string().min(1).default('./.sspr-data'),
  /** `sqlite:path` (default under dataDir) or `postgres://…`. */
  databaseUrl: z.string().regex(/^(sqlite:|postgres(ql)?:\/\/)/, 'must start with sqlite: or postgres://').optional(),
  /** `builtin`, `ldap://…` or `ldaps://…`. */
  directoryUrl: z.string().regex(/^(builtin$|ldaps?:\/\/)/, 'must be builtin, ldap://… or ldaps://…').default('builtin'),
  /** Unset: mail goes to the local outbox under dataDir. */
  smtpUrl: Url(['smtp:', 'smtps:']).optional(),
  mailFrom: z.string().min(3).default('SSPR <no-reply@sspr.invalid>'),
  /** Unset: texts and calls go to the local outbox. */
  smsWebhookUrl: Url(['http:', 'https:']).optional(),
  /** HMAC key for the gateway's `X-SSPR-Signature` header. */
  smsWebhookSecret: z.string().min(16).optional(),
  /** Bootstrap administrator token; generated into dataDir when unset. */
  adminToken: z.string().min(24, 'must be at least 24 characters').optional(),
  /** Key for secrets at rest (32 bytes, base64); generated into dataDir when unset. */
  secretKey: z.string().optional(),
  publicUrl: Url(['http:', 'https:']).optional(),
  defaultLocale: z.enum(['ja', 'en']).default('en'),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  auditRetentionDays: z.coerce.number().int().min(1).max(36500).default(365),
  /** `/metrics` answers only with `Authorization: Bearer <token>`; unset, it is not served. */
  metricsToken: z.string().min(24, 'must be at least 24 characters').optional(),
  /** Also serve `/metrics` (without a token) on this port of `metricsHost`: a management address. */
  metricsPort: z.coerce.number().int().min(0).max(65535).optional(),
  metricsHost: z.string().min(1).default('127.0.0.1'),
  // Deadlines (docs/configuration-timeouts.md). Every wait on a client or a peer ends.
  /** A client must send the whole request (headers and body) within this. */
  httpRequestTimeoutMs: Ms(1000, 600_000, 120_000),
  /** A client must send all its headers within this (a slow-header client is cut off). */
  httpHeadersTimeoutMs: Ms(500, 600_000, 60_000),
  /** An idle kept-alive connection is closed after this. */
  httpKeepAliveTimeoutMs: Ms(100, 600_000, 5_000),
  /** One store operation: SQLite's wait for a lock; PostgreSQL's connect and each statement. */
  storeTimeoutMs: Ms(100, 120_000, 5_000),
  /** Handing one email to the SMTP relay: connect, greeting and each reply. */
  smtpTimeoutMs: Ms(100, 120_000, 5_000),
  /** One POST to the SMS/voice gateway. */
  smsTimeoutMs: Ms(100, 120_000, 5_000),
  /** A verification code must be with the SMTP relay / SMS gateway within this, or `delivery_failed`. */
  deliveryTimeoutMs: Ms(100, 60_000, 4_000),
  /** A reset session's `setting` claim lapses after this, so a crash never holds it (issue 10). */
  resetClaimMs: Ms(1000, 600_000, 15_000),
  /**
   * Which peer addresses are proxies whose `X-Forwarded-For` names the client: `true` (all),
   * a hop count, or a comma-separated list of addresses and CIDRs. Unset: the socket's peer.
   */
  trustProxy: z
    .string()
    .regex(/^(true|\d{1,2}|[0-9a-fA-F.:/]+(,\s*[0-9a-fA-F.:/]+)*)$/, 'must be true, a hop count, or a comma-separated list of addresses/CIDRs')
    .transform((v): boolean | number | string[] => (v === 'true' ? true : /^\d+$/.test(v) ? Number(v) : v.split(',').map((a) => a.trim())))
    .optional(),
  /** Rate limits and the proof-of-work at the anonymous doors (throttle/rate-limit-rules.ts). */
  rateLimits: z
    .strictObject({
      enabled: z.preprocess(bool, z.boolean()).default(true),
      proofOfWork: z.enum(['off', 'adaptive', 'always']).default('adaptive'),
      /** Per-door overrides of the default budgets (requests per minute). */
      doors: z
        .partialRecord(
          z.enum(RATE_LIMITED_DOORS),
          z.strictObject({
            perClient: z.number().int().min(1),
            total: z.number().int().min(1),
            perClientProofAbove: z.number().int().min(0),
            totalProofAbove: z.number().int().min(0),
          }).partial(),
        )
        .default({}),
    })
    .prefault({}),
  ldap: z
    .strictObject({
      bindDn: z.string().min(1),
      bindPassword: z.string().min(1),
      baseDn: z.string().min(1),
      caFile: z.string().optional(),
      startTls: Flag.default(false),
      /** Accept plain `ldap://` without StartTLS to a remote host: passwords cross the network in clear (a lab only). */
      allowInsecure: Flag.default(false),
      alternateEmailAttribute: z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be an LDAP attribute name').default('otherMailbox'),
      timeoutMs: z.coerce.number().int().min(100).max(60000).default(5000),
      /** Members are SSPR administrators (R10, R22): a group name (cn) or DN. AD default: Domain Admins. */
      adminGroup: z.string().min(1).optional(),
      /**
       * OpenLDAP: where a user's groups come from. `search` (default) looks for the groups that
       * name the user (groupOfNames, groupOfUniqueNames, posixGroup); `memberOf` reads the
       * memberOf overlay's attribute off the user's own entry, one search fewer per sign-in
       * (posixGroup membership is then not seen).
       */
      groupsFrom: z.enum(['search', 'memberOf']).default('search'),
      /** OpenLDAP: the default ppolicy entry, when it is not the only pwdPolicy entry in the naming context. */
      ppolicyDn: z.string().min(1).optional(),
      /** Connections per pool (service account, user binds). */
      poolSize: z.coerce.number().int().min(1).max(64).default(8),
    })
    .optional(),
});
export type ServerConfig = z.infer<typeof ServerConfig>;

export class ConfigError extends Error {}

/** `localhost`, 127.0.0.0/8 or ::1: traffic that never leaves the machine. */
function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return '';
  }
}

function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

const ENV: Array<[string, string[]]> = [
  ['SSPR_PORT', ['port']],
  ['SSPR_HOST', ['host']],
  ['SSPR_DATA_DIR', ['dataDir']],
  ['SSPR_DATABASE_URL', ['databaseUrl']],
  ['SSPR_DIRECTORY_URL', ['directoryUrl']],
  ['SSPR_SMTP_URL', ['smtpUrl']],
  ['SSPR_MAIL_FROM', ['mailFrom']],
  ['SSPR_SMS_WEBHOOK_URL', ['smsWebhookUrl']],
  ['SSPR_SMS_WEBHOOK_SECRET', ['smsWebhookSecret']],
  ['SSPR_ADMIN_TOKEN', ['adminToken']],
  ['SSPR_SECRET_KEY', ['secretKey']],
  ['SSPR_PUBLIC_URL', ['publicUrl']],
  ['SSPR_LOCALE', ['defaultLocale']],
  ['SSPR_LOG_LEVEL', ['logLevel']],
  ['SSPR_AUDIT_RETENTION_DAYS', ['auditRetentionDays']],
  ['SSPR_METRICS_TOKEN', ['metricsToken']],
  ['SSPR_METRICS_PORT', ['metricsPort']],
  ['SSPR_METRICS_HOST', ['metricsHost']],
  ['SSPR_HTTP_REQUEST_TIMEOUT_MS', ['httpRequestTimeoutMs']],
  ['SSPR_HTTP_HEADERS_TIMEOUT_MS', ['httpHeadersTimeoutMs']],
  ['SSPR_HTTP_KEEP_ALIVE_TIMEOUT_MS', ['httpKeepAliveTimeoutMs']],
  ['SSPR_STORE_TIMEOUT_MS', ['storeTimeoutMs']],
  ['SSPR_SMTP_TIMEOUT_MS', ['smtpTimeoutMs']],
  ['SSPR_SMS_TIMEOUT_MS', ['smsTimeoutMs']],
  ['SSPR_RESET_CLAIM_MS', ['resetClaimMs']],
  ['SSPR_DELIVERY_TIMEOUT_MS', ['deliveryTimeoutMs']],
  ['SSPR_TRUST_PROXY', ['trustProxy']],
  ['SSPR_RATE_LIMITS', ['rateLimits', 'enabled']],
  ['SSPR_PROOF_OF_WORK', ['rateLimits', 'proofOfWork']],
  ['SSPR_LDAP_BIND_DN', ['ldap', 'bindDn']],
  ['SSPR_LDAP_BIND_PASSWORD', ['ldap', 'bindPassword']],
  ['SSPR_LDAP_BASE_DN', ['ldap', 'baseDn']],
  ['SSPR_LDAP_CA_FILE', ['ldap', 'caFile']],
  ['SSPR_LDAP_ALT_EMAIL_ATTRIBUTE', ['ldap', 'alternateEmailAttribute']],
  ['SSPR_LDAP_START_TLS', ['ldap', 'startTls']],
  ['SSPR_LDAP_ALLOW_INSECURE', ['ldap', 'allowInsecure']],
  ['SSPR_LDAP_TIMEOUT_MS', ['ldap', 'timeoutMs']],
  ['SSPR_LDAP_ADMIN_GROUP', ['ldap', 'adminGroup']],
  ['SSPR_LDAP_PPOLICY_DN', ['ldap', 'ppolicyDn']],
  ['SSPR_LDAP_GROUPS_FROM', ['ldap', 'groupsFrom']],
  ['SSPR_LDAP_POOL_SIZE', ['ldap', 'poolSize']],
];

function envNameFor(pathKeys: PropertyKey[]): string | undefined {
  const joined = pathKeys.join('.');
  return ENV.find(([, keys]) => keys.join('.') === joined)?.[0];
}

/** Reads the file and the environment; throws ConfigError with one line naming the setting. */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv } = {}): ServerConfig {
  const env = options.env ?? process.env;
  let raw: Record<string, unknown> = {};
  if (options.file) {
    let text: string;
    try {
      text = readFileSync(options.file, 'utf8');
    } catch (e) {
      throw new ConfigError(`config file ${options.file}: ${(e as NodeJS.ErrnoException).code ?? 'cannot read'}`);
    }
    try {
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`config file ${options.file}: not valid JSON (${(e as Error).message})`);
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`config file ${options.file}: must be a JSON object`);
  }
  for (const [name, keys] of ENV) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    let target = raw;
    for (const k of keys.slice(0, -1)) target = (target[k] ??= {}) as Record<string, unknown>;
    target[keys[keys.length - 1]!] = value;
  }
  const parsed = ServerConfig.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      throw new ConfigError(`unknown setting ${[...issue.path, issue.keys[0]].join('.')} (a typo?)`);
    }
    const name = envNameFor(issue.path) ?? issue.path.join('.');
    throw new ConfigError(`invalid setting ${name}: ${issue.message}`);
  }
  const cfg = parsed.data;
  if (cfg.smsWebhookUrl && !cfg.smsWebhookSecret) {
    throw new ConfigError('invalid setting SSPR_SMS_WEBHOOK_SECRET: the SMS/voice gateway needs a shared secret (16+ characters) to sign its requests');
  }
  if (cfg.directoryUrl !== 'builtin' && !cfg.ldap) {
    throw new ConfigError('invalid setting SSPR_LDAP_BIND_DN: an LDAP directory needs SSPR_LDAP_BIND_DN, SSPR_LDAP_BIND_PASSWORD and SSPR_LDAP_BASE_DN');
  }
  // Loopback traffic never crosses a network (a directory on the same host, the tests' slapd).
  if (cfg.directoryUrl.startsWith('ldap://') && cfg.ldap && !cfg.ldap.startTls && !cfg.ldap.allowInsecure && !isLoopbackHost(hostOf(cfg.directoryUrl))) {
    throw new ConfigError(
      'invalid setting SSPR_DIRECTORY_URL: ldap:// without StartTLS sends passwords in clear over the network; use ldaps://, set SSPR_LDAP_START_TLS=true, or (a lab only) SSPR_LDAP_ALLOW_INSECURE=true',
    );
  }
  if (cfg.smsWebhookUrl && new URL(cfg.smsWebhookUrl).protocol === 'http:' && !isLoopbackHost(new URL(cfg.smsWebhookUrl).hostname)) {
    throw new ConfigError('invalid setting SSPR_SMS_WEBHOOK_URL: must be https:// (http:// only to a loopback address); the signed body carries one-time codes');
  }
  if (cfg.httpHeadersTimeoutMs > cfg.httpRequestTimeoutMs) {
    throw new ConfigError('invalid setting SSPR_HTTP_HEADERS_TIMEOUT_MS: must not exceed SSPR_HTTP_REQUEST_TIMEOUT_MS');
  }
  return { ...cfg, dataDir: path.resolve(cfg.dataDir) };
}

/** Where the store lives: the configured URL, or SQLite in the data directory. */
export function databaseUrlOf(config: Pick<ServerConfig, 'databaseUrl' | 'dataDir'>): string {
  return config.databaseUrl ?? `sqlite:${path.join(config.dataDir, 'sspr.db')}`;
}
