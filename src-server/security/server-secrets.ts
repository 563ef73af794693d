import { createHmac } from 'node:crypto';
import type { ServerConfig } from '../config.js';
import { decodeKey, loadOrCreateSecretFile, randomAdminToken, randomKeyBase64 } from './keys.js';

/** The secret key and bootstrap token from the config, or from files made once in the data directory. */
export function serverSecrets(config: ServerConfig): { secretKey: Buffer; adminToken: string; codeKey: Buffer } {
  const secretKey = decodeKey(config.secretKey ?? loadOrCreateSecretFile(config.dataDir, 'secret.key', randomKeyBase64), 'SSPR_SECRET_KEY');
  const adminToken = config.adminToken ?? loadOrCreateSecretFile(config.dataDir, 'admin-token', randomAdminToken);
  // One-time codes and token signatures use a key derived from the secret key, never the key itself.
  return { secretKey, adminToken, codeKey: createHmac('sha256', secretKey).update('sspr-code-key').digest() };
}
