import pino from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../clock.js';
import type { ServerConfig } from '../config.js';
import { openDirectory } from '../directory/open-directory.js';
import { AccessPasses } from '../auth/access-passes.js';
import { AccessPassIssue } from '../flows/access-pass-issue.js';
import { AdminGroups } from '../flows/admin-groups.js';
import { AccountNotifier } from '../notify/notifications.js';
import { AdminUsers } from '../flows/admin-users.js';
import { PasswordWrites } from '../flows/password-write.js';
import { NoticeOutbox } from '../notify/notice-outbox.js';
import { PasswordWriteIntents } from '../store/password-write-intents.js';
import { AccessPassStore } from '../store/access-pass-store.js';
import { MethodStore } from '../store/method-store.js';
import { NoticeStore } from '../store/notice-store.js';
import { RegistrationStore } from '../store/registration-store.js';
import { OutboxMailer, SmtpMailer, type Mailer } from '../notify/mailer.js';
import { Outbox } from '../notify/outbox.js';
import type { PolicyStore } from '../store/policy-store.js';
import { DEFAULT_HASH_PARAMS } from '../security/password-hash.js';
import { SecretBox } from '../security/secret-box.js';
import { serverSecrets } from '../security/server-secrets.js';
import type { Store } from '../store/db.js';
import { ThrottleStore } from '../store/throttle-store.js';
import type { DirectoryTools } from './cli-context.js';

/**
 * The directory and the user / group flows for the CLI commands that need them (users,
 * groups, methods, import, coverage): loaded on demand, so other commands never load LDAP
 * or mail.
 */
export async function openDirectoryTools(
  config: ServerConfig,
  parts: { store: Store; clock: Clock; policyStore: PolicyStore; auditLog: AuditLog },
): Promise<DirectoryTools & { close(): Promise<void> }> {
  const { store, clock, policyStore, auditLog } = parts;
  const db = store.db;
  const log = pino({ level: 'silent' });
  const { secretKey } = serverSecrets(config);
  const secretBox = new SecretBox(secretKey);
  const methodStore = new MethodStore(db, secretBox, clock);
  const mailer: Mailer = config.smtpUrl ? new SmtpMailer(config.smtpUrl, config.mailFrom) : new OutboxMailer(new Outbox(config.dataDir), clock);
  const directory = await openDirectory(config, { db, clock, policyStore, hashParams: DEFAULT_HASH_PARAMS, log });
  const throttles = new ThrottleStore(clock);
  // A reset's notice is queued in its transaction and handed over before the command ends;
  // one the relay refuses stays queued for the server's outbox (and an open intent for its reconciliation).
  const notices = new NoticeOutbox({ noticeStore: new NoticeStore(db), clock, secretBox, mailer, log, claimMs: 3 * config.smtpTimeoutMs });
  const passwordWrites = new PasswordWrites({ auditLog, clock, db, directory, notices, secretBox, throttles, intents: new PasswordWriteIntents(db), settleMs: config.resetClaimMs });
  const users = new AdminUsers({ auditLog, clock, db, directory, methodStore, passwordWrites, policyStore, registrationStore: new RegistrationStore(db), throttles });
  return {
    directory,
    methodStore,
    policyStore,
    clock,
    users,
    groups: new AdminGroups({ auditLog, db, policyStore, adminUsers: users }),
    accessPassIssue: new AccessPassIssue({ db, directory, auditLog, log, accessPasses: new AccessPasses({ clock, accessPassStore: new AccessPassStore() }), accountNotifier: new AccountNotifier({ clock, policyStore, mailer, methodStore, auditLog, db, log }) }),
    async close() {
      await notices.stop();
      await directory.close();
      mailer.close?.();
    },
  };
}
