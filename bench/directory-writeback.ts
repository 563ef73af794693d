/**
 * `npx tsx bench/directory-writeback.ts`: directory writeback against a local slapd with
 * ppolicy, through the OpenLDAP adapter the server uses (service-account pool, user binds,
 * ppolicy control): latency of a reset and of a user's change (p50 / p99; target p99 < 50 ms,
 * R18a's "average under 500 ms" with room), and sign-in checks per second at concurrency.
 */
import { ManualClock } from '../src-server/clock.js';
import { createLdapDirectory } from '../src-server/directory/ldap/create-ldap-directory.js';
import type { DirectoryUser } from '../src-server/directory/directory.js';
import { startSlapd } from '../test/helpers/slapd.js';

const USERS = 50;
const ROUNDS = 6;
const SIGNIN_SECONDS = 5;
const CONCURRENCY = 16;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summary(name: string, ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `${name.padEnd(28)} n=${String(s.length).padStart(4)}  p50 ${quantile(s, 0.5).toFixed(2)} ms  p99 ${quantile(s, 0.99).toFixed(2)} ms  mean ${mean.toFixed(2)} ms  max ${s[s.length - 1]!.toFixed(2)} ms`;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function main(): Promise<void> {
  const slapd = await startSlapd({ policy: { pwdMinAge: 0, pwdInHistory: 5, pwdLockout: true, pwdMaxFailure: 5 } });
  const log = { warn: (_d: Record<string, unknown>, m: string) => console.warn(m) };
  const dir = await createLdapDirectory(
    { url: slapd.url, bindDn: slapd.serviceDn, bindPassword: slapd.servicePassword, baseDn: slapd.baseDn, startTls: false, alternateEmailAttribute: 'otherMailbox', timeoutMs: 5000, poolSize: 8, policyCacheMs: 60_000 },
    new ManualClock(new Date()),
    log,
  );
  try {
    const names = Array.from({ length: USERS }, (_, i) => `bench${String(i).padStart(3, '0')}`);
    for (const n of names) await slapd.addUser({ uid: n, password: `${n}-Start-Passw0rd`, mail: `${n}@corp.example` });
    const users = new Map<string, DirectoryUser>();
    for (const n of names) users.set(n, (await dir.findUser(n))!);
    const current = new Map(names.map((n) => [n, `${n}-Start-Passw0rd`]));

    // Warm the pools and the policy cache.
    for (const n of names.slice(0, 8)) await dir.verifyPassword(n, current.get(n)!);

    const resets: number[] = [];
    const changes: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of names) {
        const next = `${n}-Reset-${round}-Passw0rd`;
        resets.push(await timed(async () => {
          const r = await dir.resetPassword(users.get(n)!, next, { unlock: true });
          if (!r.ok) throw new Error(`reset ${n}: ${JSON.stringify(r.violations)}`);
        }));
        current.set(n, next);
        const mine = `${n}-Own-${round}-Passw0rd`;
        changes.push(await timed(async () => {
          const r = await dir.changePassword(users.get(n)!, current.get(n)!, mine);
          if (!r.ok) throw new Error(`change ${n}: ${JSON.stringify(r.violations)}`);
        }));
        current.set(n, mine);
      }
    }
    if (!(await slapd.canBind(slapd.userDn(names[0]!), current.get(names[0]!)!))) throw new Error('the directory does not take the last password');

    // Sign-in checks (look-up, bind as the user with the ppolicy control, groups, policy) at concurrency.
    const signIns: number[] = [];
    let done = 0;
    const until = performance.now() + SIGNIN_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        let i = w;
        while (performance.now() < until) {
          const n = names[i++ % names.length]!;
          signIns.push(await timed(async () => {
            const r = await dir.verifyPassword(n, current.get(n)!);
            if (!r.ok) throw new Error(`sign-in ${n}: ${r.reason}`);
          }));
          done += 1;
        }
      }),
    );

    const out = (line: string) => process.stdout.write(line + '\n');
    out(`directory writeback on slapd ${slapd.url} (ppolicy, ${USERS} users, pool 8, sequential writes)`);
    out(summary('reset (service account)', resets));
    out(summary('change (Password Modify)', changes));
    out(summary(`sign-in check (c=${CONCURRENCY})`, signIns));
    out(`sign-in checks per second   ${(done / SIGNIN_SECONDS).toFixed(0)} /s at concurrency ${CONCURRENCY}`);
    const p99 = Math.max(quantile([...resets].sort((a, b) => a - b), 0.99), quantile([...changes].sort((a, b) => a - b), 0.99));
    out(`target: writeback p99 < 50 ms — ${p99 < 50 ? 'met' : 'NOT met'} (${p99.toFixed(2)} ms)`);
  } finally {
    await dir.close();
    await slapd.close();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
