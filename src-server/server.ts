import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { AuditLog } from './audit/audit-log.js';
import { AccessTokens } from './auth/access-tokens.js';
import { ApiTokens } from './auth/api-tokens.js';
import { AdminSignIn } from './auth/admin-sign-in.js';
import { createAuthenticator } from './auth/authenticator.js';
import { BootstrapGate } from './auth/bootstrap-gate.js';
import { RefreshTokens } from './auth/refresh-tokens.js';
import { SignInFlow } from './auth/sign-in.js';
import { systemClock, type Clock } from './clock.js';
import { databaseUrlOf, type ServerConfig } from './config.js';
import type { Directory } from './directory/directory.js';
import { openDirectory } from './directory/open-directory.js';
import { AccountUnlock } from './flows/account-unlock.js';
import { AdminGroups } from './flows/admin-groups.js';
import { AdminPolicy } from './flows/admin-policy.js';
import { AdminUsers } from './flows/admin-users.js';
import { ApiTokenAdmin } from './flows/api-token-admin.js';
import { Approvals } from './flows/approvals.js';
import { MeStatusFlow } from './flows/me-status.js';
import { MethodRegistration } from './flows/method-registration.js';
import { PasswordChange } from './flows/password-change.js';
import { CodeHandover } from './flows/code-handover.js';
import { PasswordWrites } from './flows/password-write.js';
import { ResetFlow } from './flows/reset-flow.js';
import { ResetPassword } from './flows/reset-password.js';
import { adminConsoleRoutes } from './http/admin-console.js';
import { buildHttpApp, LOG_REDACT } from './http/app.js';
import { adminRoutes } from './http/routes/admin-routes.js';
import { apiTokenRoutes } from './http/routes/api-token-routes.js';
import { authRoutes } from './http/routes/auth-routes.js';
import { meRoutes } from './http/routes/me-routes.js';
import { methodRoutes } from './http/routes/method-routes.js';
import { policyRoutes } from './http/routes/policy-routes.js';
import { reportRoutes } from './http/routes/report-routes.js';
import { resetRoutes } from './http/routes/reset-routes.js';
import { stepUpRoutes } from './http/routes/step-up-routes.js';
import { AccessPasses } from './auth/access-passes.js';
import { StepUp } from './auth/step-up.js';
import { AccessPassIssue } from './flows/access-pass-issue.js';
import { createAccessPassGate } from './methods/access-pass-gate.js';
import { createEmailMethod } from './methods/email.js';
import type { MethodKinds } from './methods/method-kind.js';
import { MethodStore } from './store/method-store.js';
import { createPhoneMethod } from './methods/phone.js';
import { ApprovalHub, createPushMethod } from './methods/push.js';
import { createSecurityQuestionsMethod } from './methods/security-questions.js';
import { createTotpMethod } from './methods/totp.js';
import { OutboxMailer, SmtpMailer, type Mailer } from './notify/mailer.js';
import { HandoverTimes } from './notify/handover-times.js';
import { PreciseTimer } from './security/precise-timer.js';
import { ResponseFloor, ResponseFloors } from './security/response-floor.js';
import { NoticeOutbox } from './notify/notice-outbox.js';
import { AccountNotifier, PasswordNotifier } from './notify/notifications.js';
import { Outbox } from './notify/outbox.js';
import { OutboxPhoneGateway, WebhookPhoneGateway, type PhoneGateway } from './notify/sms-gateway.js';
import { PolicyStore } from './store/policy-store.js';
import { CoverageTracker } from './reports/coverage.js';
import { startAdminDigest, type AdminDigestTimer } from './reports/digest.js';
import { startAuditRetention, type AuditRetention } from './reports/retention.js';
import { ActivitySummary } from './reports/summary.js';
import { DEFAULT_HASH_PARAMS, type HashParams } from './security/password-hash.js';
import { SecretBox } from './security/secret-box.js';
import { serverSecrets } from './security/server-secrets.js';
import { openStore, storeAnswers, type Db, type Store } from './store/db.js';
import { ResetSessionStore } from './store/reset-session-store.js';
import { AccessPassStore } from './store/access-pass-store.js';
import { ApprovalStore } from './store/approval-store.js';
import { AuditEventStore } from './store/audit-event-store.js';
import { CoverageFingerprint } from './store/coverage-fingerprint.js';
import { DigestClaims } from './store/digest-claims.js';
import { ApiTokenStore } from './store/api-token-store.js';
import { NoticeStore } from './store/notice-store.js';
import { RegistrationStore } from './store/registration-store.js';
import { StepUpStore } from './store/step-up-store.js';
import { TokenStore } from './store/token-store.js';
import { PasswordWriteIntents } from './store/password-write-intents.js';
import { ThrottleStore } from './store/throttle-store.js';
import { startExpiredPurge, type ExpiredPurge } from './store/expired-purge.js';
import { DecoyPopulationStore } from './store/decoy-population-store.js';
import { startDecoyPopulation } from './flows/decoy-population-job.js';
import type { Population } from './methods/decoy-population.js';
import type { PeriodicJob } from './reports/periodic.js';
import { makePrivateDir } from './store/private-files.js';
import { RateLimitStore } from './store/rate-limit-store.js';
import { ProofOfWork } from './security/proof-of-work.js';
import { DEFAULT_DOOR_BUDGETS, RATE_LIMITED_DOORS, RATE_WINDOW_MS } from './throttle/rate-limit-rules.js';
import { startPeriodic } from './reports/periodic.js';
import { sendExpiryReminders, type ReminderRun } from './notify/expiry-reminders.js';
import { ReminderClaims } from './store/reminder-claims.js';

/** What tests and benchmarks may swap: time, peers, cost parameters. */
export interface ServerOverrides {
  clock?: Clock;
  directory?: (parts: { db: Db; clock: Clock; policy: PolicyStore; hashParams: HashParams }) => Directory | Promise<Directory>;
  mailer?: Mailer;
  phone?: PhoneGateway;
  hashParams?: HashParams;
  validateResponses?: boolean;
  /** Where log lines go instead of stdout (tests read them to prove nothing secret is logged). */
  logDestination?: pino.DestinationStream;
}

/** The parts tests, benchmarks and the demo seed reach into after the server is built. */
export interface ServerParts {
  config: ServerConfig;
  clock: Clock;
  store: Store;
  db: Db;
  directory: Directory;
  policy: PolicyStore;
  methods: MethodStore;
  audit: AuditLog;
  outbox: Outbox;
  mailer: Mailer;
  accessTokens: AccessTokens;
  /** R38: API tokens for automation. */
  apiTokens: ApiTokens;
  adminToken: string;
  /** HMAC key for one-time codes and token signing, derived from the secret key. */
  codeKey: Buffer;
  log: Logger;
  /** The one-outcome path of changes and administrator resets (its reconciliation runs periodically). */
  passwordWrites: PasswordWrites;
}

export interface SsprServer {
  app: FastifyInstance;
  services: ServerParts;
  /** The daily audit purge (R17b retention); tests call `runOnce()` after moving the clock. */
  auditRetention: AuditRetention;
  /** The optional daily digest to administrators (policy `adminDigest`); tests call `runOnce()`. */
  adminDigest: AdminDigestTimer;
  /** Prometheus registry of the HTTP app (for a separate metrics listener). */
  metrics: Registry;
  /** R36: expiry reminders by email (policy `expiryReminders`), checked hourly; tests call `runOnce()`. */
  expiryReminders: PeriodicJob<ReminderRun>;
  /** The hourly purge of expired sessions, challenges, approvals and tokens (once across instances). */
  expiredPurge: ExpiredPurge;
  /** The count of real users' answers that decoys are drawn from (R13b); tests call `runOnce()`. */
  decoyPopulation: PeriodicJob<Population>;
  close(): Promise<void>;
}

/**
 * The composition root: builds every store, method kind and flow once from the config, hands
 * each only what it uses, and gives the HTTP app one route plugin per area.
 */
export async function createServer(config: ServerConfig, overrides: ServerOverrides = {}): Promise<SsprServer> {
  const clock = overrides.clock ?? systemClock;
  const log = pino({ level: config.logLevel, redact: { paths: LOG_REDACT, censor: '[redacted]' } }, overrides.logDestination);
  makePrivateDir(config.dataDir);
  const { secretKey, adminToken, codeKey } = serverSecrets(config);
  const store = await openStore(databaseUrlOf(config), {
    timeoutMs: config.storeTimeoutMs,
    onConnectionError: (e) => log.warn({ err: e.message }, 'store connection lost'),
  });
  const db = store.db;
  const hashParams = overrides.hashParams ?? DEFAULT_HASH_PARAMS;

  const secretBox = new SecretBox(secretKey);
  const outbox = new Outbox(config.dataDir);
  const policyStore = new PolicyStore(db, clock);
  const auditEvents = new AuditEventStore(store);
  const auditLog = new AuditLog(clock, auditEvents);
  const methodStore = new MethodStore(db, secretBox, clock);
  const throttles = new ThrottleStore(clock);
  const resetSessions = new ResetSessionStore(store);
  const tokenStore = new TokenStore(db);
  const accessTokens = new AccessTokens(tokenStore, clock, codeKey);
  const refreshTokens = new RefreshTokens(db, clock, tokenStore);
  const apiTokenStore = new ApiTokenStore(db);
  const apiTokens = new ApiTokens({ db, clock, apiTokenStore, auditLog });
  const mailer: Mailer = overrides.mailer ?? (config.smtpUrl ? new SmtpMailer(config.smtpUrl, config.mailFrom, config.smtpTimeoutMs) : new OutboxMailer(outbox, clock));
  const phoneGateway =
    overrides.phone ?? (config.smsWebhookUrl ? new WebhookPhoneGateway(config.smsWebhookUrl, config.smsWebhookSecret!, clock, config.smsTimeoutMs) : new OutboxPhoneGateway(outbox, clock));
  const directory = overrides.directory
    ? await overrides.directory({ db, clock, policy: policyStore, hashParams })
    : await openDirectory(config, { db, clock, policyStore, hashParams, log });

  // Push approvals go from the reset flow to the user's companions on this instance.
  const approvalHub = new ApprovalHub();
  const approvalStore = new ApprovalStore(db);
  const phoneMethod = createPhoneMethod({ policyStore, phoneGateway, codeKey });
  const methodKinds: MethodKinds = {
    email: createEmailMethod({ policyStore, mailer, codeKey }),
    mobilePhone: phoneMethod,
    officePhone: phoneMethod,
    authenticatorCode: createTotpMethod({ clock, methodStore }),
    authenticatorPush: createPushMethod({ approvalHub, approvalStore }),
    securityQuestions: createSecurityQuestionsMethod({ hashParams }),
  };

  const passwordNotifier = new PasswordNotifier({ clock, directory, policyStore, methodStore });
  const registrationStore = new RegistrationStore(db);
  const meStatus = new MeStatusFlow({ clock, directory, methodStore, policyStore, registrationStore });
  // A claim outlives any one hand-over (its SMTP deadline) a few times over.
  const notices = new NoticeOutbox({ noticeStore: new NoticeStore(db), clock, secretBox, mailer, log, claimMs: 3 * config.smtpTimeoutMs });
  const passwordWrites = new PasswordWrites({ auditLog, clock, db, directory, notices, secretBox, throttles, intents: new PasswordWriteIntents(db), settleMs: config.resetClaimMs, answerOnceApplied: store.dialect === 'sqlite', log });
  const adminUsers = new AdminUsers({ auditLog, clock, db, directory, methodStore, passwordWrites, policyStore, registrationStore, throttles });
  const activitySummary = new ActivitySummary(auditEvents, clock);
  const coverage = new CoverageTracker({ clock, coverageFingerprint: new CoverageFingerprint(db), directory, methodStore, policyStore });
  const approvals = new Approvals({ db, clock, methodStore, resetSessions, throttles, auditLog, approvalStore });
  const adminSignIn = new AdminSignIn({ db, clock, directory, policyStore, methodStore, resetSessions, throttles, accessTokens, auditLog, secretBox });
  const decoyPopulation = new DecoyPopulationStore(db, clock);
  const accessPasses = new AccessPasses({ clock, accessPassStore: new AccessPassStore() });
  const accountNotifier = new AccountNotifier({ clock, policyStore, mailer, methodStore, auditLog, db, log });
  const stepUp = new StepUp({ db, clock, policyStore, methodStore, resetSessions, throttles, secretBox, auditLog, accessPasses, stepUpStore: new StepUpStore(db) });
  const resetPassword = new ResetPassword({ db, clock, directory, policyStore, resetSessions, throttles, auditLog, secretBox, passwordNotifier, notices, claimMs: config.resetClaimMs });
  const preciseTimer = new PreciseTimer();
  const wakeAt = (at: number) => preciseTimer.until(at);
  const codeHandover = new CodeHandover({ clock, handovers: new HandoverTimes(wakeAt), deliveryTimeoutMs: config.deliveryTimeoutMs, log });
  const challengeKinds = { ...methodKinds, accessPass: createAccessPassGate({ db, accessPasses }) };
  const resetFlow = new ResetFlow({ db, clock, directory, policyStore, methodStore, challengeKinds, resetSessions, throttles, auditLog, secretBox, decoyPopulation, codeHandover, resetPassword, codeKey, identifyFloor: new ResponseFloor(wakeAt), verifyFloors: new ResponseFloors(wakeAt) });

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const rateLimits = new RateLimitStore(db);
  const rateLimitPurge = startPeriodic(() => rateLimits.purge(clock.now().getTime(), RATE_WINDOW_MS), { firstRunMs: 60_000, intervalMs: 5 * 60_000 }, log, 'rate-limit purge');
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
    routes: [
      policyRoutes({ policyStore }),
      resetRoutes({ resetFlow, resetPassword, adminSignIn, stepUp, accountUnlock: new AccountUnlock({ db, clock, directory, policyStore, resetSessions, throttles, auditLog, passwordNotifier, notices }) }),
      methodRoutes({
        methodRegistration: new MethodRegistration({ auditLog, clock, codeKey, db, directory, log, methodStore, registrationStore, policyStore, throttles, methodKinds, meStatus, stepUp, refreshTokens, accountNotifier, deliveryTimeoutMs: config.deliveryTimeoutMs }),
        approvals,
        approvalHub,
        log,
      }),
      stepUpRoutes({ stepUp, directory }),
      authRoutes({ signIn: new SignInFlow({ auditLog, clock, db, directory, policyStore, accessTokens, refreshTokens }), adminSignIn }),
      meRoutes({ meStatus, passwordChange: new PasswordChange({ auditLog, db, directory, policyStore, passwordNotifier, passwordWrites }) }),
      adminRoutes({ policyStore, adminPolicy: new AdminPolicy({ auditLog, db, policyStore }), adminUsers, adminGroups: new AdminGroups({ auditLog, db, policyStore, adminUsers }), accessPassIssue: new AccessPassIssue({ db, directory, auditLog, accessPasses, accountNotifier, log }) }),
      apiTokenRoutes({ apiTokenAdmin: new ApiTokenAdmin({ db, clock, apiTokens, apiTokenStore, auditLog }) }),
      reportRoutes({ store, clock, activitySummary, coverage }),
      adminConsoleRoutes(),
    ],
    authenticator: createAuthenticator({ accessTokens, adminToken, apiTokens, bootstrapGate: new BootstrapGate({ directory, methodStore, policyStore }) }),
    readiness: {
      store: () => storeAnswers(db),
      directory: () => directory.ping(),
    },
    logger: log,
    validateResponses: overrides.validateResponses ?? false,
    timeouts: { requestMs: config.httpRequestTimeoutMs, headersMs: config.httpHeadersTimeoutMs, keepAliveMs: config.httpKeepAliveTimeoutMs },
    metricsToken: config.metricsToken,
  });
  const auditRetention = startAuditRetention({ auditEvents, clock, log, retentionDays: config.auditRetentionDays });
  const adminDigest = startAdminDigest({ clock, digestClaims: new DigestClaims(db), directory, log, mailer, policyStore, activitySummary, coverage, locale: config.defaultLocale });
  const expiredPurge = startExpiredPurge({ db, clock, log });
  const decoyPopulationCount = startDecoyPopulation({ directory, methodStore, policyStore, populationStore: decoyPopulation, clock, log });
  // Hourly, so a reminder is at most an hour late; the claims make each email go once.
  const reminderDeps = { policy: () => policyStore.get(), directory, claims: new ReminderClaims(db), mailer, clock, locale: config.defaultLocale, log };
  const expiryReminders = startPeriodic(() => sendExpiryReminders(reminderDeps), { firstRunMs: 90_000, intervalMs: 3_600_000 }, log, 'expiry reminders', (r) => r.sent > 0 && log.info(r, 'expiry reminders sent'));
  // What a crash left: notices queued and not sent, directory writes not reconciled.
  notices.start();
  const intents = startPeriodic(() => resetPassword.reconcileOpenIntents(), { firstRunMs: 0, intervalMs: 30_000 }, log, 'password intent reconciliation', (c) => {
    if (c.completed || c.notApplied) log.info(c, 'password intents reconciled');
  });
  const writeIntents = startPeriodic(() => passwordWrites.reconcileOpenIntents(), { firstRunMs: 0, intervalMs: 30_000 }, log, 'password write intent reconciliation', (c) => {
    if (c.completed || c.notApplied) log.info(c, 'password write intents reconciled');
  });
  return {
    app,
    services: { config, clock, store, db, directory, policy: policyStore, methods: methodStore, audit: auditLog, outbox, mailer, accessTokens, apiTokens, adminToken, codeKey, log, passwordWrites },
    auditRetention,
    adminDigest,
    expiryReminders,
    expiredPurge,
    decoyPopulation: decoyPopulationCount,
    metrics,
    async close() {
      await expiryReminders.stop();
      await expiredPurge.stop();
      await decoyPopulationCount.stop();
      await intents.stop();
      await writeIntents.stop();
      await notices.stop();
      await auditRetention.stop();
      await rateLimitPurge.stop();
      await adminDigest.stop();
      await app.close();
      await preciseTimer.close();
      await directory.close();
      mailer.close?.();
      outbox.close();
      await store.close();
    },
  };
}
