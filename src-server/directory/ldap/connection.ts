import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls, { type ConnectionOptions } from 'node:tls';
import { Client, ResultCodeError } from 'ldapts';
import { DirectoryUnavailableError } from '../directory.js';

interface LdapEndpoint {
  /** `ldap://host:port` or `ldaps://host:port`. */
  url: string;
  startTls: boolean;
  /** PEM file with the CA(s) that signed the directory's certificate. */
  caFile?: string;
  /** Deadline for one whole directory operation, including waiting for a connection. */
  timeoutMs: number;
}

/**
 * Result codes that say "the directory cannot serve you now" rather than "no": time limit
 * (3), busy (51), unavailable (52), other (80), and the client-side codes for a lost server,
 * a timeout and a failed connect (81, 85, 91).
 */
const UNAVAILABLE_CODES = new Set([3, 51, 52, 80, 81, 85, 91]);

/** A directory verdict (result code) the adapters map; anything else means the directory is unreachable. */
export function isVerdict(error: unknown): error is ResultCodeError {
  return error instanceof ResultCodeError && !UNAVAILABLE_CODES.has(error.code);
}

export function unavailable(error: unknown, what: string): DirectoryUnavailableError {
  if (error instanceof DirectoryUnavailableError) return error;
  const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return new DirectoryUnavailableError(`${what}: ${reason}`, { cause: error });
}

function tlsOptions(endpoint: LdapEndpoint): ConnectionOptions {
  const host = new URL(endpoint.url).hostname.replace(/^\[|\]$/g, '');
  const options: ConnectionOptions = { host, minVersion: 'TLSv1.2' };
  // SNI takes host names only; an IP address is still checked against the certificate's SANs.
  if (!net.isIP(host)) options.servername = host;
  if (endpoint.caFile) options.ca = readFileSync(endpoint.caFile);
  return options;
}

/** Opens clients to one directory: TLS per the endpoint, an operation timeout on every request. */
export class LdapConnector {
  private readonly tls: ConnectionOptions;

  constructor(readonly endpoint: LdapEndpoint) {
    this.tls = tlsOptions(endpoint);
  }

  async open(): Promise<Client> {
    const client = new Client({
      url: this.endpoint.url,
      timeout: this.endpoint.timeoutMs,
      connectTimeout: this.endpoint.timeoutMs,
      // ldapts speaks TLS from the first byte whenever tlsOptions are given: only for ldaps://.
      tlsOptions: this.endpoint.url.startsWith('ldaps:') ? this.tls : undefined,
      // Group and policy DNs come back from the directory; never refuse one over syntax.
      strictDN: false,
      // Nagle's algorithm holds a small LDAP request until the previous one is acknowledged,
      // which the peer may delay by 40 ms: every request goes out at once instead.
      createConnection: ((port: number, host: string) => net.connect({ port, host, noDelay: true })) as typeof net.connect,
      createSecureConnection: ((port: number | ConnectionOptions, host?: string, options?: ConnectionOptions) =>
        (typeof port === 'object' ? tls.connect(port) : tls.connect({ ...options, port, host })).setNoDelay(true)) as typeof tls.connect,
    });
    if (this.endpoint.startTls) await client.startTLS({ ...this.tls });
    return client;
  }
}

interface Waiter {
  resolve(client: Client): void;
  reject(error: Error): void;
}

/**
 * A bounded set of open clients. `use` lends one for one operation under a deadline; a
 * client that failed below the LDAP level (socket closed, timed out) is thrown away and the
 * next `use` opens a fresh one, so the pool heals when the directory comes back.
 */
export class ClientPool {
  private readonly idle: Client[] = [];
  private readonly waiters: Waiter[] = [];
  private open = 0;
  private closed = false;

  constructor(
    private readonly name: string,
    private readonly connector: LdapConnector,
    /** Runs once on every new client (e.g. the service account's bind). */
    private readonly prepare: (client: Client) => Promise<void>,
    private readonly max: number,
  ) {}

  /** Runs `fn` with a client. Directory verdicts (ResultCodeError) pass through; everything else becomes DirectoryUnavailableError. */
  use<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    return this.lend(fn, 'whole');
  }

  /**
   * As `use`, for a paged scan whose pages are handled between requests (reminders mailed, a
   * count taken): the deadline covers getting a client, and each page's request is bounded by
   * the client's own operation timeout, so a long scan of a large tree is not cut off midway.
   */
  scan<T>(fn: (client: Client) => Promise<T>): Promise<T> {
    return this.lend(fn, 'acquire');
  }

  private async lend<T>(fn: (client: Client) => Promise<T>, deadlineCovers: 'whole' | 'acquire'): Promise<T> {
    const timeoutMs = this.connector.endpoint.timeoutMs;
    let client: Client | null = null;
    let broken = false;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        timedOut = true;
        reject(new Error(`no answer within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      const work = (async () => {
        const lent = await this.acquire();
        // Lent after the deadline passed: nobody will use it, give it straight back.
        if (timedOut) {
          this.release(lent, false);
          throw new Error('late');
        }
        client = lent;
        if (deadlineCovers === 'acquire') clearTimeout(timer);
        return fn(lent);
      })();
      // The losing promise must not become an unhandled rejection.
      work.catch(() => {});
      return await Promise.race([work, deadline]);
    } catch (error) {
      if (isVerdict(error)) throw error;
      broken = true;
      throw unavailable(error, `directory (${this.name})`);
    } finally {
      clearTimeout(timer);
      if (client) this.release(client, broken);
    }
  }

  private async acquire(): Promise<Client> {
    if (this.closed) throw new Error('directory connection pool closed');
    while (this.idle.length) {
      const client = this.idle.pop()!;
      if (client.isConnected) return client;
      this.discard(client);
    }
    if (this.open >= this.max) {
      return new Promise<Client>((resolve, reject) => this.waiters.push({ resolve, reject }));
    }
    this.open += 1;
    try {
      const client = await this.connector.open();
      try {
        await this.prepare(client);
      } catch (error) {
        void client.unbind().catch(() => {});
        throw error;
      }
      return client;
    } catch (error) {
      this.open -= 1;
      // A service-account bind refused is a configuration fault: the directory is unusable, not "no".
      throw unavailable(error, `directory (${this.name}) connection`);
    }
  }

  private release(client: Client, broken: boolean): void {
    if (broken || this.closed || !client.isConnected) {
      this.discard(client);
      // Someone waiting for a slot gets a fresh connection instead.
      const waiter = this.waiters.shift();
      if (waiter) this.acquire().then(waiter.resolve, waiter.reject);
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(client);
    else this.idle.push(client);
  }

  private discard(client: Client): void {
    this.open -= 1;
    void client.unbind().catch(() => {});
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiters.splice(0)) w.reject(new Error('directory connection pool closed'));
    await Promise.all(this.idle.splice(0).map((c) => c.unbind().catch(() => {})));
    this.open = 0;
  }
}
