import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';

/** LDAP operations a client sent, by kind (RFC 4511 protocolOp application tags). */
export interface LdapOpCounts {
  bind: number;
  search: number;
  modify: number;
  add: number;
  delete: number;
  modDn: number;
  compare: number;
  extended: number;
  unbind: number;
  abandon: number;
  /** TCP connections opened through the proxy. */
  connections: number;
}

const OPS: Record<number, keyof LdapOpCounts> = { 0: 'bind', 2: 'unbind', 3: 'search', 6: 'modify', 8: 'add', 10: 'delete', 12: 'modDn', 14: 'compare', 16: 'abandon', 23: 'extended' };

/** The responses that end an operation, by protocolOp tag: a search ends with its SearchResultDone. */
const DONE: Record<number, keyof LdapOpCounts> = { 1: 'bind', 5: 'search', 7: 'modify', 9: 'add', 11: 'delete', 13: 'modDn', 15: 'compare', 24: 'extended' };

/** Every response's operation, by protocolOp tag (a search's entries and references too). */
const ANSWERS: Record<number, keyof LdapOpCounts> = { ...DONE, 4: 'search', 19: 'search' };

const zero = (): LdapOpCounts => ({ bind: 0, search: 0, modify: 0, add: 0, delete: 0, modDn: 0, compare: 0, extended: 0, unbind: 0, abandon: 0, connections: 0 });

export interface LdapCounter {
  /** ldap://127.0.0.1:port of the proxy; point the client here instead of at the server. */
  url: string;
  counts(): LdapOpCounts;
  /** The search bases since the last take (the root DSE is ""). */
  searchBases(): string[];
  /**
   * Since the last take, in the order the proxy saw them: `bind>` when a request went to the
   * server, `<bind` when its answer came back (so a test can tell overlapping round trips).
   */
  timeline(): string[];
  /** Operations since the last reset, and starts counting afresh. */
  take(): LdapOpCounts;
  /**
   * Holds the server's answers to `kind` this long before passing them on (0: not any more),
   * so a test can see what a client does while such an answer is out. Later answers on the
   * same connection wait their turn behind it.
   */
  holdAnswers(kind: 'search' | 'bind' | 'extended', ms: number): void;
  close(): Promise<void>;
}

/** Length of a BER element starting at `at`, or null while the buffer is short. Returns [headerLength, contentLength]. */
function berLength(buf: Buffer, at: number): [number, number] | null {
  if (buf.length < at + 2) return null;
  const first = buf[at + 1]!;
  if (first < 0x80) return [2, first];
  const n = first & 0x7f;
  if (buf.length < at + 2 + n) return null;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + buf[at + 2 + i]!;
  return [2 + n, len];
}

/**
 * Walks the whole LDAPMessages at the start of `buf`, handing each one's protocolOp tag and
 * offset to `each`; returns how many bytes they took (the rest waits for more data).
 */
function eachMessage(buf: Buffer, each: (opTag: number, opAt: number) => void): number {
  let at = 0;
  for (;;) {
    const outer = berLength(buf, at);
    if (!outer || buf.length < at + outer[0] + outer[1]) return at;
    const body = at + outer[0];
    const id = berLength(buf, body);
    if (id) {
      const opTag = buf[body + id[0] + id[1]];
      if (opTag !== undefined) each(opTag, body + id[0] + id[1]);
    }
    at = body + outer[1];
  }
}

/** The baseObject of a SearchRequest whose protocolOp starts at `at`. */
function searchBase(buf: Buffer, at: number): string {
  const op = berLength(buf, at);
  if (!op) return '?';
  const base = berLength(buf, at + op[0]);
  if (!base) return '?';
  const start = at + op[0] + base[0];
  return buf.subarray(start, start + base[1]).toString('utf8');
}

/** The certificate the proxy shows its clients (for 127.0.0.1) and the CA the target's certificate is checked against. */
interface CounterTls {
  certFile: string;
  keyFile: string;
  caFile: string;
}

/**
 * A counting TCP proxy on loopback in front of an LDAP server (slapd, Samba AD): it parses
 * the client's LDAPMessage envelopes and counts operations by kind, so a test can hold a
 * flow to its round-trip budget on the real server. StartTLS would hide the messages; for an
 * ldaps:// target (Samba AD writes passwords over TLS only) give `tls`: the proxy ends TLS
 * with the client, reads the messages, and speaks TLS again to the target.
 */
export async function startLdapCounter(target: { host?: string; port: number; tls?: CounterTls }): Promise<LdapCounter> {
  let counts = zero();
  let bases: string[] = [];
  let events: string[] = [];
  const holds = new Map<keyof LdapOpCounts, number>();
  const sockets = new Set<net.Socket>();
  const host = target.host ?? '127.0.0.1';
  const secure = target.tls ? { cert: readFileSync(target.tls.certFile), key: readFileSync(target.tls.keyFile), ca: readFileSync(target.tls.caFile) } : null;
  const onClient = (client: net.Socket) => {
    counts.connections++;
    const upstream = secure ? tls.connect({ port: target.port, host, ca: secure.ca, servername: 'localhost' }) : net.connect(target.port, host);
    sockets.add(client).add(upstream);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let pending = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : Buffer.from(chunk);
      const used = eachMessage(pending, (opTag, opAt) => {
        const kind = OPS[opTag & 0x1f];
        if (!kind) return;
        counts[kind]++;
        events.push(`${kind}>`);
        if (kind === 'search') bases.push(searchBase(pending, opAt));
      });
      pending = pending.subarray(used);
      upstream.write(chunk);
    });
    let answers = Buffer.alloc(0);
    /** Answers behind a held one, passed on in order. */
    let queue = Promise.resolve();
    let queued = 0;
    upstream.on('data', (chunk: Buffer) => {
      answers = answers.length ? Buffer.concat([answers, chunk]) : Buffer.from(chunk);
      let holdMs = 0;
      const used = eachMessage(answers, (opTag) => {
        const kind = DONE[opTag & 0x1f];
        if (kind) events.push(`<${kind}`);
        holdMs = Math.max(holdMs, holds.get(ANSWERS[opTag & 0x1f]!) ?? 0);
      });
      answers = answers.subarray(used);
      if (!holdMs && !queued) {
        client.write(chunk);
        return;
      }
      queued++;
      queue = queue
        .then(() => (holdMs ? new Promise((resolve) => setTimeout(resolve, holdMs)) : undefined))
        .then(() => {
          queued--;
          if (!client.destroyed) client.write(chunk);
        });
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  };
  const server = secure ? tls.createServer({ cert: secure.cert, key: secure.key }, onClient) : net.createServer(onClient);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `${secure ? 'ldaps' : 'ldap'}://127.0.0.1:${port}`,
    counts: () => ({ ...counts }),
    searchBases: () => [...bases],
    timeline: () => [...events],
    holdAnswers(kind, ms) {
      holds.set(kind, ms);
    },
    take() {
      const taken = counts;
      counts = zero();
      bases = [];
      events = [];
      return taken;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
