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

/** SMTP through nodemailer, pooled; handed to the relay at once (R12). */
export class SmtpMailer implements Mailer {
  private readonly transport: Transporter;
  constructor(smtpUrl: string, private readonly from: string) {
    this.transport = nodemailer.createTransport(smtpUrl + (smtpUrl.includes('?') ? '&' : '?') + 'pool=true');
  }
  async send(message: MailMessage): Promise<void> {
    await this.transport.sendMail({ from: this.from, ...message });
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
}
