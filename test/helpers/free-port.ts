import net from 'node:net';

/** A TCP port free on loopback right now, for a peer process the test starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A loopback port nothing listens on, for "the peer is down" (ECONNREFUSED). Not a port from
 * `freePort`: once released, another test running alongside may take it and answer. Tests
 * only ever listen on ephemeral ports, so a low, unassigned one stays refused.
 */
export async function closedPort(): Promise<number> {
  for (const port of [1, 3, 5, 11, 15]) {
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
    });
    if (refused) return port;
  }
  throw new Error('no refused low port on 127.0.0.1 (1, 3, 5, 11, 15 all answer)');
}
