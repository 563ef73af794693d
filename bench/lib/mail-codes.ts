import type { ParsedMail } from 'mailparser';
import type { SmtpPeer } from '../../test/helpers/smtp-peer.js';

/**
 * The codes the SMTP peer received, indexed by recipient as mails arrive. The peer's own
 * `waitFor` rescans every mail for every waiter, which at thousands of mails and 64 waiters
 * would spend the bench process's CPU (shared with the server under test) on the scan.
 */
export class MailCodes {
  private scanned = 0;
  private readonly codes = new Map<string, string[]>();

  constructor(private readonly smtp: SmtpPeer) {}

  private scan(): void {
    for (; this.scanned < this.smtp.mails.length; this.scanned++) {
      const mail: ParsedMail = this.smtp.mails[this.scanned]!;
      // Notifications (password changed) carry no code.
      const code = /\b(\d{6})\b/.exec(mail.text ?? '')?.[1];
      if (!code) continue;
      const to = Array.isArray(mail.to) ? mail.to : mail.to ? [mail.to] : [];
      for (const address of to.flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()))) {
        const list = this.codes.get(address) ?? [];
        list.push(code);
        this.codes.set(address, list);
      }
    }
  }

  /** The oldest code mailed to `address` not taken yet, waiting for it up to `timeoutMs`. */
  async take(address: string, timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.scan();
      const code = this.codes.get(address.toLowerCase())?.shift();
      if (code) return code;
      if (performance.now() > deadline) throw new Error(`no mail to ${address} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
