import type { IpcError } from '../../shared/ipc/contract.js';
import type { Catalogue } from '../i18n/index.js';

/** What to tell a person about an error, in their language; never a raw server detail. */
export function errorText(t: Catalogue, error: IpcError, contact: string): string {
  switch (error.code) {
    case 'invalid_code':
      return t.reset.codeWrong(error.attemptsRemaining ?? null);
    case 'invalid_answers':
      return t.reset.answersWrong(error.attemptsRemaining ?? null);
    case 'challenge_expired':
      return t.reset.codeExpired;
    case 'delivery_failed':
      return t.reset.deliveryFailed(error.method ? t.methodNames[error.method] : null);
    case 'rate_limited':
      return t.errors.rateLimited(error.retryAfterSeconds ?? 60);
    case 'network':
    case 'timeout':
      return t.errors.network;
    case 'not_configured':
    case 'insecure_server_url':
      return t.app.notConfigured;
    case 'invalid_request':
    case 'invalid_input':
      return t.errors.invalidRequest;
    case 'unauthorized':
    case 'not_signed_in':
      return t.errors.unauthorized;
    case 'forbidden':
      return t.reset.notAllowed(contact);
    case 'password_policy':
      return [t.password.serverRefused, ...(error.violations ?? []).map((v) => v.message)].join(' ');
    default:
      return t.errors.generic;
  }
}
