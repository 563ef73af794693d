import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { SMTPServer } from 'smtp-server';

/**
 * A real SMTP relay alone in its own process (smtp-peer-process.ts), for timing: it takes each
 * mail's bytes and counts it, nothing more — no parsing (mailparser's work and its garbage
 * would still be running beside the server's next request after a real hand-over, on a host
 * whose two cores may be one core's two threads, where a real relay's never is; decoys have no
 * such neighbour). Prints its URL; then says how many mails it took only when asked (a line
 * `count` on stdin): a line per mail would land on the test's event loop, which is the
 * server's, right after each real hand-over.
 */
let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    stream.on('data', () => undefined);
    stream.on('end', () => {
      received++;
      callback();
    });
  },
});
server.on('error', () => undefined);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
console.log(`smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'count') console.log(`count ${received}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
