import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src-server/clock.js';
import { DirectoryUnavailableError } from '../../src-server/directory/directory.js';
import { createLdapDirectory } from '../../src-server/directory/ldap/create-ldap-directory.js';
import { SmtpMailer } from '../../src-server/notify/mailer.js';
import { WebhookPhoneGateway } from '../../src-server/notify/sms-gateway.js';
import { startGatewayPeer } from '../helpers/gateway-peer.js';
import { startSilentPeer } from '../helpers/silent-peer.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';

/** Issue 10 item 4: every wait on a client or a peer ends, at the configured deadline. */

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ env: { SSPR_HTTP_HEADERS_TIMEOUT_MS: '1000', SSPR_HTTP_REQUEST_TIMEOUT_MS: '2000', SSPR_HTTP_KEEP_ALIVE_TIMEOUT_MS: '300' } });
});
afterAll(async () => {
  await t?.close();
});

/** Opens a raw connection to the test server; resolves with what it answered and when it closed. */
function rawClient(onConnect: (write: (s: string) => void) => void | NodeJS.Timeout) {
  const { port } = new URL(t.url);
  const socket = connect(Number(port), '127.0.0.1');
  const started = Date.now();
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => (received += d));
  socket.on('error', () => undefined);
  let timer: void | NodeJS.Timeout;
  socket.on('connect', () => (timer = onConnect((s) => socket.writable && socket.write(s))));
  return new Promise<{ closedAfterMs: number; received: string }>((resolve) =>
    socket.on('close', () => {
      if (timer) clearInterval(timer);
      resolve({ closedAfterMs: Date.now() - started, received });
    }),
  );
}

const timeoutError = async (p: Promise<unknown>) => {
  const started = Date.now();
  const error = await p.then(
    () => null,
    (e: unknown) => e as Error,
  );
  return { error, ms: Date.now() - started };
};

describe('deadlines', () => {
  it('a slow-header client (one header line every 200 ms) is cut off at the headers deadline', async () => {
    const r = await rawClient((write) => {
      write('GET /healthz HTTP/1.1\r\nHost: sspr\r\n');
      let i = 0;
      return setInterval(() => write(`X-Slow-${i++}: 1\r\n`), 200);
    });
    console.log(`slow-header client closed after ${r.closedAfterMs} ms (headers deadline 1000 ms)`);
    expect(r.closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(r.closedAfterMs).toBeLessThan(3000);
    expect(r.received).toMatch(/^HTTP\/1\.1 408/);
  });

  it('an idle kept-alive connection is closed at the keep-alive deadline', async () => {
    const r = await rawClient((write) => write('GET /healthz HTTP/1.1\r\nHost: sspr\r\n\r\n'));
    expect(r.received).toMatch(/^HTTP\/1\.1 200/);
    expect(r.closedAfterMs).toBeLessThan(2000);
  });

  it('an SMTP relay that accepts and never answers fails the hand-over within the deadline', async () => {
    const silent = await startSilentPeer();
    const mailer = new SmtpMailer(`smtp://127.0.0.1:${silent.port}`, 'SSPR <no-reply@sspr.invalid>', 500);
    try {
      const { error, ms } = await timeoutError(mailer.send({ to: 'a@example.com', subject: 's', text: 't' }));
      console.log(`silent SMTP relay: failed after ${ms} ms (deadline 500 ms)`);
      expect(error).toBeInstanceOf(Error);
      expect(silent.accepted).toBe(1);
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(ms).toBeLessThan(1500);
    } finally {
      mailer.close();
      await silent.close();
    }
  });

  it('an SMS gateway that answers too slowly fails the hand-over within the deadline', async () => {
    const gateway = await startGatewayPeer();
    gateway.delayMs = 5000;
    const phone = new WebhookPhoneGateway(gateway.url, gateway.secret, new ManualClock(new Date()), 500);
    try {
      const { error, ms } = await timeoutError(phone.send({ id: 'm1', channel: 'sms', to: '+81 9012345678', text: 'code', locale: 'en' }));
      expect(error).toBeInstanceOf(Error);
      expect(ms).toBeGreaterThanOrEqual(450);
      expect(ms).toBeLessThan(1500);
    } finally {
      await gateway.close();
    }
  });

  it('a directory that accepts and never answers fails within the LDAP deadline', async () => {
    const silent = await startSilentPeer();
    try {
      const { error, ms } = await timeoutError(
        createLdapDirectory(
          { url: `ldap://127.0.0.1:${silent.port}`, bindDn: 'cn=svc', bindPassword: 'x', baseDn: 'dc=example', startTls: false, alternateEmailAttribute: 'otherMailbox', timeoutMs: 500, poolSize: 1, policyCacheMs: 0 },
          new ManualClock(new Date()),
          { warn: () => undefined },
        ),
      );
      expect(error).toBeInstanceOf(DirectoryUnavailableError);
      expect(ms).toBeLessThan(2000);
    } finally {
      await silent.close();
    }
  });
});
