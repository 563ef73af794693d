import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * A real SMTP peer in a process of its own, for timing tests: in the test's own process its
 * parsing of each mail would land on the server's event loop, where a relay's never does.
 */
export interface SmtpPeerProcess {
  url: string;
  /** Mails received so far, asked of the relay now (it reports nothing unasked). */
  received(): Promise<number>;
  close(): Promise<void>;
}

export async function startSmtpPeerProcess(): Promise<SmtpPeerProcess> {
  const main = fileURLToPath(new URL('./smtp-peer-main.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', main], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`SMTP peer process exited (${code}) before listening`)));
    lines.once('line', resolve);
  });
  return {
    url,
    received: () =>
      new Promise<number>((resolve) => {
        lines.once('line', (line) => resolve(Number(line.replace(/^count /, ''))));
        child.stdin!.write('count\n');
      }),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
