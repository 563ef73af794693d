/**
 * The real probes behind the diagnosis (node:dns, node:net, node:tls, node:http/https), each
 * answering what happened — an error code, never a throw — within a time limit. Node's trust
 * store, as the API client's fetch uses it; `ca` adds roots (the tests' own CA).
 */
import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

export type ProbeFailure = { ok: false; code: string };

interface CertificateFacts {
  subject: string;
  issuer: string;
  validTo: string;
}

export type TlsOutcome = ({ ok: true } & CertificateFacts) | (ProbeFailure & Partial<CertificateFacts>);

export interface HttpAnswer {
  ok: true;
  status: number;
  /** The `Date` header, as sent. */
  date: string | null;
  /** The body parsed as JSON, or null when it is not JSON. */
  json: unknown;
}

export interface NetworkProbes {
  resolve(host: string): Promise<{ ok: true; addresses: string[] } | ProbeFailure>;
  connect(host: string, port: number): Promise<{ ok: true } | ProbeFailure>;
  tls(host: string, port: number): Promise<TlsOutcome>;
  get(url: string): Promise<HttpAnswer | ProbeFailure>;
}

interface ProbeOptions {
  timeoutMs?: number;
  /** Extra trusted roots (PEM). */
  ca?: string[];
}

const DEFAULT_TIMEOUT_MS = 5000;
/** Enough for `/readyz` and the OpenAPI document; a larger answer is not the SSPR server. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'ERROR';
}

function certificateFacts(cert: tls.PeerCertificate | undefined): Partial<CertificateFacts> {
  if (!cert || !cert.subject) return {};
  const name = (n: tls.Certificate | undefined) => (n ? (n.CN ?? n.O ?? '') : '');
  return { subject: String(name(cert.subject)), issuer: String(name(cert.issuer)), validTo: new Date(cert.valid_to).toISOString() };
}

export function networkProbes(options: ProbeOptions = {}): NetworkProbes {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ca = options.ca ? [...tls.rootCertificates, ...options.ca] : undefined;
  return {
    async resolve(host) {
      try {
        const found = await lookup(host, { all: true });
        return { ok: true, addresses: found.map((a) => a.address) };
      } catch (err) {
        return { ok: false, code: codeOf(err) };
      }
    },

    connect(host, port) {
      return new Promise((resolve) => {
        const socket = net.connect({ host, port });
        const done = (r: { ok: true } | ProbeFailure) => {
          socket.destroy();
          resolve(r);
        };
        socket.setTimeout(timeoutMs, () => done({ ok: false, code: 'ETIMEDOUT' }));
        socket.once('connect', () => done({ ok: true }));
        socket.once('error', (err) => done({ ok: false, code: codeOf(err) }));
      });
    },

    tls(host, port) {
      return new Promise((resolve) => {
        // Verified by hand below, so the answer can say which part failed and name the certificate.
        const socket = tls.connect({ host, port, rejectUnauthorized: false, ...(net.isIP(host) ? {} : { servername: host }), ...(ca ? { ca } : {}) });
        const done = (r: TlsOutcome) => {
          socket.destroy();
          resolve(r);
        };
        socket.setTimeout(timeoutMs, () => done({ ok: false, code: 'ETIMEDOUT' }));
        socket.once('error', (err) => done({ ok: false, code: codeOf(err) }));
        socket.once('secureConnect', () => {
          const cert = socket.getPeerCertificate();
          const facts = certificateFacts(cert);
          if (!socket.authorized) return done({ ok: false, code: String(socket.authorizationError ?? 'UNAUTHORIZED'), ...facts });
          const mismatch = tls.checkServerIdentity(host, cert);
          if (mismatch) return done({ ok: false, code: codeOf(mismatch), ...facts });
          done({ ok: true, subject: facts.subject ?? '', issuer: facts.issuer ?? '', validTo: facts.validTo ?? '' });
        });
      });
    },

    get(url) {
      return new Promise((resolve) => {
        const target = new URL(url);
        const client = target.protocol === 'https:' ? https : http;
        const req = client.get(target, { timeout: timeoutMs, headers: { accept: 'application/json' }, ...(ca && target.protocol === 'https:' ? { ca } : {}) }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_BODY_BYTES) req.destroy(Object.assign(new Error('answer too large'), { code: 'ETOOBIG' }));
            else chunks.push(c);
          });
          res.on('end', () => {
            let json: unknown = null;
            try {
              json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            } catch {
              // Not JSON: the caller says the server is not the SSPR server.
            }
            resolve({ ok: true, status: res.statusCode ?? 0, date: res.headers.date ?? null, json });
          });
          res.on('error', (err) => resolve({ ok: false, code: codeOf(err) }));
        });
        req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
        req.on('error', (err) => resolve({ ok: false, code: codeOf(err) }));
      });
    },
  };
}
