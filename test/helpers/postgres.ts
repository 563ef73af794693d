import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A throwaway PostgreSQL cluster on loopback (initdb refuses root: run as `postgres`). */
export interface PostgresPeer {
  url: string;
  /** Stops the server at once (connections cut), keeping its data: an outage. */
  halt(): void;
  /** Starts it again on the same port after `halt()`. */
  resume(): void;
  stop(): void;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function pgBin(name: string): string {
  const root = '/usr/lib/postgresql';
  const versions = readdirSync(root).sort().reverse();
  if (!versions.length) throw new Error('PostgreSQL is not installed (apt-get install -y postgresql)');
  return path.join(root, versions[0]!, 'bin', name);
}

export async function startPostgres(): Promise<PostgresPeer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sspr-pg-'));
  chmodSync(dir, 0o755);
  const data = path.join(dir, 'data');
  const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
  chownSync(dir, uid, gid);
  const asPostgres = (bin: string, args: string[]) =>
    execFileSync('runuser', ['-u', 'postgres', '--', pgBin(bin), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  const run = () => asPostgres('pg_ctl', ['-D', data, '-w', '-l', path.join(dir, 'log'), '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off`, 'start']);
  let running = false;
  const start = () => {
    run();
    running = true;
  };
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    halt() {
      asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
      running = false;
    },
    resume: start,
    stop() {
      try {
        if (running) asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
