import { createHmac } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { AuditLog } from './audit/audit-log.js';
import { createAuthenticator } from './auth/authenticator.js';
import { systemClock, type Clock } from './clock.js';
import type { ServerConfig } from './config.js';
import { BuiltinDirectory } from './directory/builtin-directory.js';
import { createLdapDirectory, ldapSettingsFrom } from './directory/ldap/create-ldap-directory.js';
import type { Directory } from './directory/directory.js';
import { buildHttpApp, LOG_REDACT } from './http/app.js';
import { adminConsoleRoutes } from './http/admin-console.js';
import type { HandlerTable } from './http/context.js';
import { adminHandlers } from './http/routes/admin-routes.js';
import { authHandlers } from './http/routes/auth-routes.js';
import { meHandlers } from './http/routes/me-routes.js';
import { policyHandlers } from './http/routes/policy-routes.js';
import { resetHandlers } from './http/routes/reset-routes.js';
import { approvalStreamRoute, methodHandlers } from './http/routes/method-routes.js';
import { reportHandlers } from './http/routes/report-routes.js';
import { stepUpHandlers } from './http/routes/step-up-routes.js';
import { startAdminDigest, type AdminDigestTimer } from './reports/digest.js';
import { startAuditRetention, type AuditRetention } from './reports/retention.js';
import { MethodStore } from './methods/method-store.js';
import { ApprovalHub } from './methods/push.js';
import { OutboxMailer, SmtpMailer, type Mailer } from './notify/mailer.js';
import { Outbox } from './notify/outbox.js';
import { OutboxPhoneGateway, WebhookPhoneGateway, type PhoneGateway } from './notify/sms-gateway.js';
import { PolicyStore } from './policy/policy-store.js';
import { decodeKey, loadOrCreateSecretFile, randomAdminToken, randomKeyBase64 } from './security/keys.js';
import { DEFAULT_HASH_PARAMS, type HashParams } from './security/password-hash.js';
import { SecretBox } from './security/secret-box.js';
import type { Services } from './services.js';
import { openStore } from './store/db.js';

/** What tests and benchmarks may swap: time, peers, cost parameters. */
export interface ServerOverrides {
  clock?: Clock;
  directory?: (s: Omit<Services, 'directory'>) => Directory | Promise<Directory>;
  mailer?: Mailer;
  phone?: PhoneGateway;
  hashParams?: HashParams;
  validateResponses?: boolean;
  /** Where log lines go instead of stdout (tests read them to prove nothing secret is logged). */
  logDestination?: pino.DestinationStream;
}

export interface SsprServer {
  app: FastifyInstance;
  services: Services;
  /** The daily audit purge (R17b retention); tests call `runOnce()` after moving the clock. */
  auditRetention: AuditRetention;
  /** The optional daily digest to administrators (policy `adminDigest`); tests call `runOnce()`. */
  adminDigest: AdminDigestTimer;
  close(): Promise<void>;
}

function makeLogger(config: ServerConfig, destination?: pino.DestinationStream) {
  return pino({ level: config.logLevel, redact: { paths: LOG_REDACT, censor: '[redacted]' } }, destination);
}

/** The composition root: builds every service from the config and wires the HTTP app. */
export async function createServer(config: ServerConfig, overrides: ServerOverrides = {}): Promise<SsprServer> {
  const clock = overrides.clock ?? systemClock;
  const logger = makeLogger(config, overrides.logDestination);
  const secretKey = decodeKey(config.secretKey ?? loadOrCreateSecretFile(config.dataDir, 'secret.key', randomKeyBase64), 'SSPR_SECRET_KEY');
  const adminToken = config.adminToken ?? loadOrCreateSecretFile(config.dataDir, 'admin-token', randomAdminToken);
  const store = await openStore(config.databaseUrl ?? `sqlite:${path.join(config.dataDir, 'sspr.db')}`);
  const db = store.db;
  const box = new SecretBox(secretKey);
  const outbox = new Outbox(config.dataDir);
  const policy = new PolicyStore(db, clock);
  const hashParams = overrides.hashParams ?? DEFAULT_HASH_PARAMS;
  const mailer: Mailer = overrides.mailer ?? (config.smtpUrl ? new SmtpMailer(config.smtpUrl, config.mailFrom) : new OutboxMailer(outbox, clock));
  const base = {
    config,
    clock,
    store,
    db,
    policy,
    audit: new AuditLog(clock),
    box,
    methods: new MethodStore(db, box, clock),
    mailer,
    phone:
      overrides.phone ??
      (config.smsWebhookUrl
        ? new WebhookPhoneGateway(config.smsWebhookUrl, config.smsWebhookSecret!, clock)
        : new OutboxPhoneGateway(outbox, clock)),
    outbox,
    codeKey: createHmac('sha256', secretKey).update('sspr-code-key').digest(),
    adminToken,
    hashParams,
    log: logger,
  };
  const directory: Directory = overrides.directory
    ? await overrides.directory(base)
    : config.directoryUrl === 'builtin'
      ? new BuiltinDirectory(db, clock, () => policy.get(), hashParams)
      : await createLdapDirectory(ldapSettingsFrom(config), clock, logger);
  const services: Services = { ...base, directory };

  // Push approvals go from the reset flow to the user's companions on this instance.
  const approvalHub = new ApprovalHub();
  const handlers: HandlerTable = {
    ...policyHandlers(services),
    ...resetHandlers(services, approvalHub),
    ...methodHandlers(services),
    ...stepUpHandlers(services),
    ...authHandlers(services),
    ...meHandlers(services),
    ...adminHandlers(services),
    ...reportHandlers(services),
  };
  const app = await buildHttpApp({
    handlers,
    authenticator: createAuthenticator(services),
    readiness: {
      store: async () => {
        await db.selectFrom('settings').select('key').limit(1).execute();
      },
      directory: () => directory.ping(),
    },
    logger,
    validateResponses: overrides.validateResponses ?? false,
    extraRoutes: [approvalStreamRoute(services, approvalHub, createAuthenticator(services)), adminConsoleRoutes()],
  });
  const auditRetention = startAuditRetention({ db, clock, log: logger, retentionDays: config.auditRetentionDays });
  const adminDigest = startAdminDigest(services);
  return {
    app,
    services,
    auditRetention,
    adminDigest,
    async close() {
      await auditRetention.stop();
      await adminDigest.stop();
      await app.close();
      await directory.close();
      mailer.close?.();
      await store.close();
    },
  };
}
