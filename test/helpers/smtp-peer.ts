import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A real SMTP server process on loopback that keeps what it receives. */
export interface SmtpPeer {
  url: string;
  mails: ParsedMail[];
  /** Resolves with the next (or an already received) mail to `to` matching `pred`. */
  waitFor(to: string, pred?: (m: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  /** Makes the peer refuse mail (relay down) until set back. */
  refuse: boolean;
  /** Keeps the mail at once but answers this much later (a slow relay: the code is out, the hand-over late). */
  delayMs: number;
  close(): Promise<void>;
}

export async function startSmtpPeer(): Promise<SmtpPeer> {
  const mails: ParsedMail[] = [];
  const waiters: Array<() => void> = [];
  const peer: SmtpPeer = {
    url: '',
    mails,
    refuse: false,
    delayMs: 0,
    async waitFor(to, pred = () => true, timeoutMs = 5000) {
      const match = () => mails.find((m) => addressesOf(m).includes(to.toLowerCase()) && pred(m));
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = match();
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} within ${timeoutMs} ms`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 50);
        });
      }
    },
    close: async () => {},
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      if (peer.refuse) {
        stream.resume();
        stream.on('end', () => callback(Object.assign(new Error('relay refused'), { responseCode: 451 })));
        return;
      }
      simpleParser(stream)
        .then((mail) => {
          mails.push(mail);
          waiters.splice(0).forEach((w) => w());
          if (peer.delayMs > 0) setTimeout(() => callback(), peer.delayMs).unref();
          else callback();
        })
        .catch(callback);
    },
  });
  // A client that vanishes mid-session (a server killed by the fault suite) resets its socket:
  // that is the client's fault, not the relay's, and must not crash the test process.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  peer.url = `smtp://127.0.0.1:${port}`;
  peer.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return peer;
}

function addressesOf(m: ParsedMail): string[] {
  const to = Array.isArray(m.to) ? m.to : m.to ? [m.to] : [];
  return to.flatMap((a) => a.value.map((v) => (v.address ?? '').toLowerCase()));
}

/** True for a mail that carries a code (not a notice of a change, R32). */
export function hasCode(m: ParsedMail): boolean {
  return /\b\d{6}\b/.test(m.text ?? '');
}

/** The first 6-digit code in a mail's text. */
export function codeIn(text: string | undefined): string {
  const m = /\b(\d{6})\b/.exec(text ?? '');
  if (!m) throw new Error(`no code in: ${text}`);
  return m[1]!;
}
