import { createHmac } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
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
import { startExpiredPurge, type ExpiredPurge } from './store/expired-purge.js';
import { makePrivateDir } from './store/private-files.js';
import { RateLimitStore } from './store/rate-limit-store.js';
import { ProofOfWork } from './security/proof-of-work.js';
import { DEFAULT_DOOR_BUDGETS, RATE_LIMITED_DOORS, RATE_WINDOW_MS } from './throttle/rate-limit-rules.js';
import { startPeriodic } from './reports/periodic.js';

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
  /** Prometheus registry of the HTTP app (for a separate metrics listener). */
  metrics: Registry;
  /** The hourly purge of expired sessions, challenges, approvals and tokens (once across instances). */
  expiredPurge: ExpiredPurge;
  close(): Promise<void>;
}

function makeLogger(config: ServerConfig, destination?: pino.DestinationStream) {
  return pino({ level: config.logLevel, redact: { paths: LOG_REDACT, censor: '[redacted]' } }, destination);
}

/** The composition root: builds every service from the config and wires the HTTP app. */
export async function createServer(config: ServerConfig, overrides: ServerOverrides = {}): Promise<SsprServer> {
  const clock = overrides.clock ?? systemClock;
  const logger = makeLogger(config, overrides.logDestination);
  makePrivateDir(config.dataDir);
  const secretKey = decodeKey(config.secretKey ?? loadOrCreateSecretFile(config.dataDir, 'secret.key', randomKeyBase64), 'SSPR_SECRET_KEY');
  const adminToken = config.adminToken ?? loadOrCreateSecretFile(config.dataDir, 'admin-token', randomAdminToken);
  const store = await openStore(config.databaseUrl ?? `sqlite:${path.join(config.dataDir, 'sspr.db')}`, {
    timeoutMs: config.storeTimeoutMs,
    onConnectionError: (e) => logger.warn({ err: e.message }, 'store connection lost'),
  });
  const db = store.db;
  const box = new SecretBox(secretKey);
  const outbox = new Outbox(config.dataDir);
  const policy = new PolicyStore(db, clock);
  const hashParams = overrides.hashParams ?? DEFAULT_HASH_PARAMS;
  const mailer: Mailer = overrides.mailer ?? (config.smtpUrl ? new SmtpMailer(config.smtpUrl, config.mailFrom, config.smtpTimeoutMs) : new OutboxMailer(outbox, clock));
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
        ? new WebhookPhoneGateway(config.smsWebhookUrl, config.smsWebhookSecret!, clock, config.smsTimeoutMs)
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
    ...authHandlers(services),
    ...meHandlers(services),
    ...adminHandlers(services),
    ...reportHandlers(services),
  };
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const rateLimits = new RateLimitStore(db);
  const rateLimitPurge = startPeriodic(() => rateLimits.purge(clock.now().getTime(), RATE_WINDOW_MS), { firstRunMs: 60_000, intervalMs: 5 * 60_000 }, logger, 'rate-limit purge');
  const app = await buildHttpApp({
    metrics,
    trustProxy: config.trustProxy,
    clientGuard: config.rateLimits.enabled
      ? {
          budgets: Object.fromEntries(RATE_LIMITED_DOORS.map((door) => [door, { ...DEFAULT_DOOR_BUDGETS[door], ...config.rateLimits.doors[door] }])) as typeof DEFAULT_DOOR_BUDGETS,
          proofOfWork: config.rateLimits.proofOfWork,
          counters: rateLimits,
          proofs: new ProofOfWork({ secret: createHmac('sha256', secretKey).update('sspr-proof-of-work').digest(), clock, spend: (id, expiresAt) => rateLimits.spendProof(id, expiresAt) }),
          clock,
        }
      : undefined,
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
    timeouts: { requestMs: config.httpRequestTimeoutMs, headersMs: config.httpHeadersTimeoutMs, keepAliveMs: config.httpKeepAliveTimeoutMs },
    metricsToken: config.metricsToken,
    extraRoutes: [approvalStreamRoute(services, approvalHub, createAuthenticator(services)), adminConsoleRoutes()],
  });
  const auditRetention = startAuditRetention({ db, clock, log: logger, retentionDays: config.auditRetentionDays });
  const adminDigest = startAdminDigest(services);
  const expiredPurge = startExpiredPurge({ db, clock, log: logger });
  return {
    app,
    services,
    auditRetention,
    adminDigest,
    expiredPurge,
    metrics,
    async close() {
      await expiredPurge.stop();
      await auditRetention.stop();
      await rateLimitPurge.stop();
      await adminDigest.stop();
      await app.close();
      await directory.close();
      mailer.close?.();
      await store.close();
    },
  };
}
