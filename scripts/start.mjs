// `npm start`: the product on its embedded defaults — the server on 127.0.0.1:8787 with demo
// users, data under ./.sspr-data, codes to the local outbox.
import { spawn } from 'node:child_process';

const server = spawn(process.execPath, ['--import', 'tsx', 'src-server/main.ts', '--demo'], { stdio: 'inherit' });
const stop = (signal) => server.kill(signal);
process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));
server.on('exit', (code) => process.exit(code ?? 0));
