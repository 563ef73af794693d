/** This device's Ed25519 key for push approvals: made here, kept in the keychain, never sent. */
import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { approvalSigningString } from '../../shared/api/me.js';

export interface DeviceKeyPair {
  /** PKCS#8 DER, base64. */
  privateKey: string;
  /** SPKI DER, base64: what `POST /me/methods` registers. */
  publicKey: string;
}

export function generateDeviceKey(): DeviceKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

/** Base64 Ed25519 signature over `approvalSigningString(approvalId, approve, number)`. */
export function signApproval(privateKeyB64: string, approvalId: string, approve: boolean, number: number): string {
  const key = createPrivateKey({ key: Buffer.from(privateKeyB64, 'base64'), format: 'der', type: 'pkcs8' });
  return sign(null, Buffer.from(approvalSigningString(approvalId, approve, number), 'utf8'), key).toString('base64');
}
