/**
 * What the out-of-process LDAP benches share (bench/peer-ltb.ts, bench/cpu-server-process.ts):
 * the users seeded into one slapd, our server started from src-server/main.ts in its own
 * process against it, and one plain HTTP request over a keep-alive agent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { freePort } from '../../test/helpers/free-port.js';
import type { Slapd } from '../../test/helpers/slapd.js';

/** Each user's password before the bench changes it. */
export const initialPassword = (uid: string) => `Init-${uid}-Qw7!`;

/** `count` users `perf00000`… with their initial passwords, the admin group (empty) and a group of 50. */
export async function seedPerfUsers(slapd: Slapd, count: number): Promise<string[]> {
  const uids = Array.from({ length: count }, (_, i) => `perf${String(i).padStart(5, '0')}`);
  await slapd.add(uids.map((uid) => [`dn: ${slapd.userDn(uid)}`, 'objectClass: inetOrgPerson', `uid: ${uid}`, `cn: Perf ${uid}`, `sn: ${uid}`, `mail: ${uid}@corp.example`, `userPassword: ${initialPassword(uid)}`].join('\n')).join('\n\n'));
  await slapd.addGroup('sspr-admins', []);
  await slapd.addGroup('sspr-users', uids.slice(0, 50));
  return uids;
}

/** Resolves once `child` prints `pattern` (stdout or stderr); rejects when it exits first or after a minute. */
export function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${seen.slice(-500)}`)), 60_000);
    const onData = (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code}): ${seen.slice(-500)}`));
    });
  });
}

export interface OurServerOptions {
  /** The checkout whose src-server/main.ts runs (an A/B compares two). */
  root: string;
  slapd: Slapd;
  /** Where the server reaches slapd (a counting proxy's URL), else slapd itself. */
  ldapUrl?: string;
  dataDir: string;
  groupsFrom: 'memberOf' | 'search';
  /** Extra node flags, e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`. */
  nodeArgs?: string[];
}

/** A TypeScript HTTP server script of `root` in its own Node process, once it prints `listening on`. */
async function spawnListening(o: { root: string; script: string; nodeArgs?: string[]; env: (port: number) => Record<string, string>; what: string }): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), '--import', 'tsx', path.join(o.root, o.script)], {
    cwd: o.root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...o.env(port) },
  });
  await waitForLine(child, /listening on/, o.what);
  return { child, url: `http://127.0.0.1:${port}/api/v1` };
}

/** Our server on slapd, in its own process, listening on loopback: its base URL once it listens. */
export function startOurServer(o: OurServerOptions): Promise<{ child: ChildProcess; url: string }> {
  return spawnListening({
    root: o.root,
    script: 'src-server/main.ts',
    nodeArgs: o.nodeArgs,
    what: 'our server',
    env: (port) => ({
      SSPR_PORT: String(port),
      SSPR_HOST: '127.0.0.1',
      SSPR_DATA_DIR: o.dataDir,
      SSPR_LOG_LEVEL: 'warn',
      // LTB runs with its rate limit off ($use_ratelimit): ours too, or the adaptive
      // proof-of-work at the sign-in door answers 428 to a bench's burst from one address.
      SSPR_RATE_LIMITS: 'off',
      ...o.slapd.serverEnv(o.ldapUrl),
      SSPR_LDAP_ADMIN_GROUP: 'sspr-admins',
      SSPR_LDAP_GROUPS_FROM: o.groupsFrom,
    }),
  });
}

/** The floor under ours (bench/lib/bare-ldap-server.ts): our API's two requests and LDAP operations with nothing else. */
export function startBareServer(o: { root: string; slapd: Slapd; ldapUrl: string }): Promise<{ child: ChildProcess; url: string }> {
  return spawnListening({
    root: o.root,
    script: 'bench/lib/bare-ldap-server.ts',
    what: 'the bare Node server',
    env: (port) => ({ BARE_PORT: String(port), BARE_LDAP_URL: o.ldapUrl, BARE_BIND_DN: o.slapd.serviceDn, BARE_BIND_PASSWORD: o.slapd.servicePassword, BARE_BASE_DN: o.slapd.baseDn }),
  });
}

/** One request; the body as text, whatever the status. */
export function httpRequest(agent: http.Agent, url: string, o: { method: string; body: string; type: string; token?: string }): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: o.method, agent, headers: { 'content-type': o.type, 'content-length': Buffer.byteLength(o.body), ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** Ours' signed-in change: `POST /auth/sign-in` then `POST /me/password`; throws unless both answer 200. */
export async function signInAndChange(agent: http.Agent, url: string, uid: string, current: string, next: string): Promise<void> {
  const json = 'application/json';
  const signIn = await httpRequest(agent, `${url}/auth/sign-in`, { method: 'POST', body: JSON.stringify({ username: uid, password: current }), type: json });
  if (signIn.status !== 200) throw new Error(`ours: sign-in ${signIn.status} ${signIn.text}`);
  const token = (JSON.parse(signIn.text) as { accessToken: string }).accessToken;
  const changed = await httpRequest(agent, `${url}/me/password`, { method: 'POST', body: JSON.stringify({ currentPassword: current, newPassword: next }), type: json, token });
  if (changed.status !== 200) throw new Error(`ours: change ${changed.status} ${changed.text}`);
}
