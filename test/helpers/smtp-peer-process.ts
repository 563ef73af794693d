import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * A real SMTP peer in a process of its own, for timing tests: in the test's own process its
 * parsing of each mail would land on the server's event loop, where a relay's never does.
 */
export interface SmtpPeerProcess {
  url: string;
  /** Mails received so far. */
  received(): number;
  close(): Promise<void>;
}

export async function startSmtpPeerProcess(): Promise<SmtpPeerProcess> {
  const main = fileURLToPath(new URL('./smtp-peer-main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main], { stdio: ['ignore', 'pipe', 'inherit'] });
  let count = 0;
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`SMTP peer process exited (${code}) before listening`)));
    lines.once('line', resolve);
  });
  lines.on('line', (line) => {
    if (line === 'mail') count++;
  });
  return {
    url,
    received: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
