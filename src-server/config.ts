import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

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
  ldap: z
    .strictObject({
      bindDn: z.string().min(1),
      bindPassword: z.string().min(1),
      baseDn: z.string().min(1),
      caFile: z.string().optional(),
      startTls: z.preprocess((v) => (v === 'true' || v === '1' ? true : v === 'false' || v === '0' ? false : v), z.boolean()).default(false),
      alternateEmailAttribute: z.string().regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must be an LDAP attribute name').default('otherMailbox'),
      timeoutMs: z.coerce.number().int().min(100).max(60000).default(5000),
      /** Members are SSPR administrators (R10, R22): a group name (cn) or DN. AD default: Domain Admins. */
      adminGroup: z.string().min(1).optional(),
      /** OpenLDAP: the default ppolicy entry, when it is not the only pwdPolicy entry in the naming context. */
      ppolicyDn: z.string().min(1).optional(),
      /** Connections per pool (service account, user binds). */
      poolSize: z.coerce.number().int().min(1).max(64).default(8),
    })
    .optional(),
});
export type ServerConfig = z.infer<typeof ServerConfig>;

export class ConfigError extends Error {}

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
  ['SSPR_LDAP_BIND_DN', ['ldap', 'bindDn']],
  ['SSPR_LDAP_BIND_PASSWORD', ['ldap', 'bindPassword']],
  ['SSPR_LDAP_BASE_DN', ['ldap', 'baseDn']],
  ['SSPR_LDAP_CA_FILE', ['ldap', 'caFile']],
  ['SSPR_LDAP_ALT_EMAIL_ATTRIBUTE', ['ldap', 'alternateEmailAttribute']],
  ['SSPR_LDAP_START_TLS', ['ldap', 'startTls']],
  ['SSPR_LDAP_TIMEOUT_MS', ['ldap', 'timeoutMs']],
  ['SSPR_LDAP_ADMIN_GROUP', ['ldap', 'adminGroup']],
  ['SSPR_LDAP_PPOLICY_DN', ['ldap', 'ppolicyDn']],
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
  return { ...cfg, dataDir: path.resolve(cfg.dataDir) };
}

/** Where the store lives: the configured URL, or SQLite in the data directory. */
export function databaseUrlOf(config: Pick<ServerConfig, 'databaseUrl' | 'dataDir'>): string {
  return config.databaseUrl ?? `sqlite:${path.join(config.dataDir, 'sspr.db')}`;
}
