import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PhoneChannel } from '../../shared/api/common.js';
import { signGatewayBody } from '../../src-server/notify/sms-gateway.js';

export interface GatewayMessage {
  id: string;
  channel: PhoneChannel;
  to: string;
  text: string;
  locale: string;
  sentAt: string;
  signatureValid: boolean;
}

/** A real HTTP peer standing in for the SMS / voice carrier (which cannot exist here). */
export interface GatewayPeer {
  url: string;
  secret: string;
  messages: GatewayMessage[];
  /** HTTP status to answer with (500 simulates a carrier outage). */
  status: number;
  /** When set, every request is answered `307` to this address instead (redirect tests). */
  redirectTo: string | null;
  /** Waits this long before answering (a slow carrier). */
  delayMs: number;
  waitFor(to: string, timeoutMs?: number): Promise<GatewayMessage>;
  close(): Promise<void>;
}

export async function startGatewayPeer(secret = 'gateway-secret-for-tests-0123456789'): Promise<GatewayPeer> {
  const messages: GatewayMessage[] = [];
  const peer: GatewayPeer = {
    url: '',
    secret,
    messages,
    status: 202,
    redirectTo: null,
    delayMs: 0,
    async waitFor(to, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = [...messages].reverse().find((m) => m.to.replace(/\s/g, '') === to.replace(/\s/g, ''));
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no gateway message to ${to}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close: async () => {},
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const ts = String(req.headers['x-sspr-timestamp'] ?? '');
      const sig = String(req.headers['x-sspr-signature'] ?? '');
      try {
        const msg = JSON.parse(body) as Omit<GatewayMessage, 'signatureValid'>;
        messages.push({ ...msg, signatureValid: sig === signGatewayBody(secret, ts, body) });
      } catch {
        /* counted as nothing */
      }
      const answer = () => (peer.redirectTo ? res.writeHead(307, { location: peer.redirectTo }).end() : res.writeHead(peer.status).end());
      if (peer.delayMs > 0) setTimeout(answer, peer.delayMs).unref();
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  peer.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/messages`;
  peer.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return peer;
}
