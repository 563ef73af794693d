import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A real TCP peer on loopback that accepts connections and never says a word (a hung relay or directory). */
export interface SilentPeer {
  port: number;
  /** Connections accepted so far. */
  accepted: number;
  close(): Promise<void>;
}

export async function startSilentPeer(): Promise<SilentPeer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    peer.accepted++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const peer: SilentPeer = {
    port: (server.address() as AddressInfo).port,
    accepted: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return peer;
}
