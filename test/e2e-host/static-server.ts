import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { APP_ORIGIN } from '../../src-main/common/app-protocol.js';
import { appProtocolHandler } from '../../src-main/node/app-protocol-handler.js';

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the built renderer (dist/renderer) on loopback through main's own `app://` handler
 * — the same files, refusals and headers (the CSP among them) as the Electron shell's origin.
 */
export async function serveStatic(root: string): Promise<StaticServer> {
  const base = path.resolve(root);
  if (!existsSync(path.join(base, 'index.html'))) {
    throw new Error(`${base}/index.html is missing: run \`npm run build:renderer\` first`);
  }
  const handle = appProtocolHandler(base);
  const server: Server = createServer((req, res) => {
    void handle(new Request(`${APP_ORIGIN}${req.url ?? '/'}`, { method: req.method ?? 'GET' })).then(async (answer) => {
      res.writeHead(answer.status, Object.fromEntries(answer.headers));
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
