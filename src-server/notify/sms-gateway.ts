import { createHmac } from 'node:crypto';
import type { PhoneChannel } from '../../shared/api/common.js';
import type { Clock } from '../clock.js';
import type { Outbox } from './outbox.js';

/**
 * The payload POSTed to `SSPR_SMS_WEBHOOK_URL` (documented for IT in the README):
 * `{ "id", "channel": "sms"|"voice", "to": "+81 9012345678", "text", "locale", "sentAt" }`,
 * with `X-SSPR-Timestamp: <unix seconds>` and
 * `X-SSPR-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the shared secret>`.
 */
export interface PhoneMessage {
  id: string;
  channel: PhoneChannel;
  to: string;
  text: string;
  locale: 'ja' | 'en';
}

export interface PhoneGateway {
  send(message: PhoneMessage): Promise<void>;
}

export function signGatewayBody(secret: string, timestamp: string, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export class WebhookPhoneGateway implements PhoneGateway {
  constructor(
    private readonly url: string,
    private readonly secret: string,
    private readonly clock: Clock,
    private readonly timeoutMs = 5000,
  ) {}

  async send(message: PhoneMessage): Promise<void> {
    const body = JSON.stringify({ ...message, sentAt: this.clock.now().toISOString() });
    const timestamp = String(Math.floor(this.clock.now().getTime() / 1000));
    const res = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-sspr-timestamp': timestamp,
        'x-sspr-signature': signGatewayBody(this.secret, timestamp, body),
      },
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
      // A redirect would resend the signed body (with its code) wherever the gateway points.
      redirect: 'manual',
    });
    if (res.status >= 300 && res.status < 400) throw new Error(`phone gateway answered a redirect (${res.status}); redirects are not followed`);
    if (!res.ok) throw new Error(`phone gateway answered ${res.status}`);
  }
}

export class OutboxPhoneGateway implements PhoneGateway {
  constructor(private readonly outbox: Outbox, private readonly clock: Clock) {}
  async send(message: PhoneMessage): Promise<void> {
    await this.outbox.append({ channel: message.channel, to: message.to, text: message.text, at: this.clock.now() });
  }
}
