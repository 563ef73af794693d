import type { Logger } from 'pino';
import type { AuditLog } from './audit/audit-log.js';
import type { Clock } from './clock.js';
import type { ServerConfig } from './config.js';
import type { Directory } from './directory/directory.js';
import type { MethodStore } from './methods/method-store.js';
import type { Mailer } from './notify/mailer.js';
import type { Outbox } from './notify/outbox.js';
import type { PhoneGateway } from './notify/sms-gateway.js';
import type { PolicyStore } from './policy/policy-store.js';
import type { HashParams } from './security/password-hash.js';
import type { SecretBox } from './security/secret-box.js';
import type { Db, Store } from './store/db.js';

/**
 * Everything the flows and routes use, built once by `createServer` and passed down.
 * Nothing here is a global: tests build their own with a manual clock and real peers.
 */
export interface Services {
  config: ServerConfig;
  clock: Clock;
  store: Store;
  db: Db;
  directory: Directory;
  policy: PolicyStore;
  audit: AuditLog;
  box: SecretBox;
  methods: MethodStore;
  mailer: Mailer;
  phone: PhoneGateway;
  outbox: Outbox;
  /** HMAC key for one-time codes and token signing, derived from the secret key. */
  codeKey: Buffer;
  /** The bootstrap administrator token. */
  adminToken: string;
  hashParams: HashParams;
  log: Logger;
}
