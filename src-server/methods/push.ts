import { createPublicKey, randomInt, verify, type KeyObject } from 'node:crypto';
import type { Approval } from '../../shared/api/me.js';
import { approvalSigningString } from '../../shared/api/me.js';
import { ProblemError } from '../errors.js';
import { newId } from '../security/tokens.js';
import type { ApprovalStore } from '../store/approval-store.js';
import type { MethodKind } from './method-kind.js';

/**
 * New approvals, handed to the user's signed-in companions listening on the SSE stream of
 * this server instance (other instances' listeners also poll the store).
 */
export class ApprovalHub {
  private readonly listeners = new Map<string, Set<(a: Approval) => void>>();

  subscribe(subjectId: string, listener: (a: Approval) => void): () => void {
    const set = this.listeners.get(subjectId) ?? new Set();
    set.add(listener);
    this.listeners.set(subjectId, set);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(subjectId);
    };
  }

  publish(subjectId: string, approval: Approval): void {
    for (const listener of this.listeners.get(subjectId) ?? []) listener(approval);
  }
}

/** An Ed25519 public key, SPKI DER in base64, as the companion registers it; null if it is not one. */
export function parsePushKey(base64: string): KeyObject | null {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return null;
  try {
    const key = createPublicKey({ key: Buffer.from(base64, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ed25519' ? key : null;
  } catch {
    return null;
  }
}

/** Whether `signature` (base64) is the device's Ed25519 signature of this decision. */
export function approvalSignatureValid(publicKey: string, approvalId: string, approve: boolean, number: number, signature: string): boolean {
  const key = parsePushKey(publicKey);
  if (!key || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(signature)) return false;
  try {
    return verify(null, Buffer.from(approvalSigningString(approvalId, approve, number)), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** The number shown on the resetting screen and matched on the companion. */
export function newMatchNumber(): number {
  return randomInt(10, 100);
}

/** Authenticator notification: a push approval with number matching, signed by the device. */
export function createPushMethod({ approvalHub, approvalStore }: { approvalHub: ApprovalHub; approvalStore: Pick<ApprovalStore, 'insert'> }): MethodKind {
  return {
    answeredWith: 'companion',
    verifyCounts: [],
    validateStart(_type, channel) {
      if (channel) throw new ProblemError('invalid_request', 'A push approval has no channel.');
    },
    async start({ challengeId, subjectKey, client, now, expiresAt, target }) {
      const number = newMatchNumber();
      const approval: Approval = { id: newId(), requestedAt: now.toISOString(), expiresAt: expiresAt.toISOString(), client, status: 'waiting' };
      return {
        codeHash: null,
        data: { approvalId: approval.id },
        reply: { numberMatch: number },
        // Each push is an app verification (R11b).
        counts: ['app.verify'],
        // Decoys get a row too (under their throttle key, which no user has): the same work.
        persist: async (trx) => {
          await approvalStore.insert(trx, { id: approval.id, subject_id: subjectKey, challenge_id: challengeId, number, status: 'waiting', client, created_at: now.getTime(), expires_at: expiresAt.getTime(), decided_at: null });
        },
        deliver: target ? async () => approvalHub.publish(subjectKey, approval) : null,
      };
    },
    async check() {
      // Decided on the companion (POST /me/approvals/{id}), never with a code.
      return false;
    },
    proof: 'none',
    async register({ body }) {
      if (body.type !== 'authenticatorPush') throw new Error('push kind got another type');
      if (!parsePushKey(body.publicKey)) {
        throw new ProblemError('invalid_request', 'publicKey must be an Ed25519 public key, SPKI DER, base64.', { issues: [{ path: 'body.publicKey', message: 'not an Ed25519 SPKI key' }] });
      }
      return {
        type: 'authenticatorPush',
        hint: body.deviceName,
        data: { publicKey: body.publicKey, deviceName: body.deviceName },
        // Registered from the signed-in companion that holds the private key.
        verified: true,
        replacesAtOnce: false,
        sendCode: null,
        sendCounts: [],
      };
    },
  };
}
