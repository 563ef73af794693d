import nodemailer, { type Transporter } from 'nodemailer';
import type { Clock } from '../clock.js';
import type { Outbox } from './outbox.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

/** Sends one email; throws when the relay refuses it. */
export interface Mailer {
  send(message: MailMessage): Promise<void>;
  verify?(): Promise<void>;
  close?(): void;
}

/** SMTP through nodemailer, pooled; handed to the relay at once (R12), within `timeoutMs`. */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;
  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly timeoutMs = 5000,
  ) {
    const url = new URL(smtpUrl);
    url.searchParams.set('pool', 'true');
    // Each wait on the relay (connect, greeting, every reply) ends; the URL may set them apart.
    for (const name of ['connectionTimeout', 'greetingTimeout', 'socketTimeout']) if (!url.searchParams.has(name)) url.searchParams.set(name, String(timeoutMs));
    this.transport = nodemailer.createTransport(url.toString());
  }
  async send(message: MailMessage): Promise<void> {
    // The phase timeouts bound each wait; this bounds the hand-over as a whole.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`SMTP relay did not take the message within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      await Promise.race([this.transport.sendMail({ from: this.from, ...message }), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
  async verify(): Promise<void> {
    await this.transport.verify();
  }
  close(): void {
    this.transport.close();
  }
}

export class OutboxMailer implements Mailer {
  constructor(private readonly outbox: Outbox, private readonly clock: Clock) {}
  async send(message: MailMessage): Promise<void> {
    await this.outbox.append({ channel: 'email', to: message.to, subject: message.subject, text: message.text, at: this.clock.now() });
  }
  close(): void {
    this.outbox.close();
  }
}
