/**
 * The server under benchmark, in its own process (so the load generator does not share its
 * event loop): seeds BENCH_USERS built-in users, each with an administrator-set recovery
 * email and an authenticator (TOTP) whose secret the bench can derive, then listens and
 * prints one JSON line `{ url, adminToken, pid }`.
 */
import { createHmac } from 'node:crypto';
import { Secret } from 'otpauth';
import { loadConfig } from '../../src-server/config.js';
import { BuiltinDirectory } from '../../src-server/directory/builtin-directory.js';
import { createServer, type SsprServer } from '../../src-server/server.js';

export function benchTotpSecret(i: number): string {
  const bytes = createHmac('sha256', 'sspr-bench').update(String(i)).digest().subarray(0, 20);
  return new Secret({ buffer: new Uint8Array(bytes).buffer }).base32;
}

export const benchUser = (i: number) => `bench${i}`;
export const benchRecovery = (i: number) => `bench${i}@recovery.example`;

/** Password hashing is measured on its own (bench/run.ts); the flow runs at a low cost. */
export const BENCH_HASH_PARAMS = { N: 1024, r: 8, p: 1 };

/** Users `bench0`… each with an administrator-set recovery email and an authenticator. */
export async function seedBenchUsers(server: SsprServer, users: number): Promise<void> {
  const s = server.services;
  const dir = s.directory as BuiltinDirectory;
  await s.db.transaction().execute(async (trx) => {
    for (let i = 0; i < users; i++) {
      const u = await dir.createUser({ username: benchUser(i), password: 'Bench-Initial-Pass-1', displayName: `Bench ${i}`, email: `bench${i}@example.com` }, trx);
      await s.methods.insert(trx, { subjectId: u.id, type: 'email', source: 'admin', verified: true, hint: 'b•••@recovery.example', data: { address: benchRecovery(i) } });
      await s.methods.insert(trx, { subjectId: u.id, type: 'authenticatorCode', source: 'user', verified: true, hint: 'Authenticator', data: { secret: benchTotpSecret(i), algorithm: 'SHA1', digits: 6, period: 30 } });
    }
  });
}

async function main(): Promise<void> {
  const users = Number(process.env.BENCH_USERS ?? '1000');
  // The load bench measures the flow itself from one address: the doors' rate limits would stop it.
  const config = loadConfig({ env: { SSPR_RATE_LIMITS: 'off', ...process.env } });
  const server = await createServer(config, { hashParams: BENCH_HASH_PARAMS });
  const s = server.services;
  await seedBenchUsers(server, users);
  const url = await server.app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(JSON.stringify({ url: `${url}/api/v1`, adminToken: s.adminToken, pid: process.pid }) + '\n');
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

if (process.argv[1]?.endsWith('server-process.ts')) void main();
