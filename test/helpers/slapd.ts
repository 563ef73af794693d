import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { escapeDnValue } from '../../src-server/directory/ldap/escape.js';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/** The default ppolicy of the throwaway server; tests override single values. */
export interface SlapdPolicy {
  pwdMaxAge: number;
  pwdMinAge: number;
  pwdInHistory: number;
  pwdMinLength: number;
  pwdCheckQuality: number;
  pwdLockout: boolean;
  pwdMaxFailure: number;
  pwdLockoutDuration: number;
  pwdMustChange: boolean;
  pwdGraceAuthNLimit: number;
}

const DEFAULT_SLAPD_POLICY: SlapdPolicy = {
  pwdMaxAge: 90 * 86400,
  pwdMinAge: 0,
  pwdInHistory: 5,
  pwdMinLength: 8,
  pwdCheckQuality: 2,
  pwdLockout: true,
  pwdMaxFailure: 5,
  pwdLockoutDuration: 1800,
  pwdMustChange: true,
  pwdGraceAuthNLimit: 0,
};

export interface SeedUser {
  uid: string;
  password: string;
  cn?: string;
  mail?: string;
  mobile?: string;
  telephoneNumber?: string;
  otherMailbox?: string;
  /** DN of a pwdPolicy entry for this user only. */
  policy?: string;
}

export interface Slapd {
  url: string;
  port: number;
  /** With `tls`: ldaps:// on a second port, StartTLS on `url`, certificates from `caFile`. */
  ldapsUrl: string | null;
  caFile: string | null;
  baseDn: string;
  rootDn: string;
  rootPassword: string;
  serviceDn: string;
  servicePassword: string;
  policyDn: string;
  userDn(uid: string): string;
  groupDn(cn: string): string;
  /** The server's settings for this directory as its service account; `url` e.g. a counting proxy in front. */
  serverEnv(url?: string): Record<string, string>;
  /** ldapadd / ldapmodify as the root DN (set-up only; the server never binds as root). */
  modify(ldif: string, options?: { relax?: boolean }): Promise<void>;
  add(ldif: string): Promise<void>;
  addUser(u: SeedUser): Promise<void>;
  addGroup(cn: string, memberUids: string[]): Promise<void>;
  setPolicy(values: Partial<SlapdPolicy>, dn?: string): Promise<void>;
  /** `ldapwhoami` as `dn`: the directory's own answer whether a password works. */
  canBind(dn: string, password: string): Promise<boolean>;
  /** Operational attributes of one entry, read as root (pwdAccountLockedTime, pwdReset…). */
  read(dn: string, attributes: string[]): Promise<Record<string, string[]>>;
  /** Stops the process (SIGTERM) and waits; `start` brings it back on the same port and data. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOP / SIGCONT: a directory that accepts connections but never answers. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}


async function waitForPort(port: number, deadlineMs: number): Promise<void> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`slapd did not listen on ${port} within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function policyLdif(dn: string, p: SlapdPolicy): string {
  return [
    `dn: ${dn}`,
    'objectClass: applicationProcess',
    'objectClass: pwdPolicy',
    `cn: ${/^cn=([^,]+)/.exec(dn)![1]}`,
    'pwdAttribute: userPassword',
    ...Object.entries(p).map(([k, v]) => `${k}: ${typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : v}`),
    'pwdAllowUserChange: TRUE',
    'pwdSafeModify: FALSE',
    'pwdFailureCountInterval: 0',
  ].join('\n');
}

/**
 * A throwaway OpenLDAP server on loopback: its own slapd.conf and mdb database under a
 * temp dir, back_mdb + ppolicy from /usr/lib/ldap, a default password policy, and a
 * service account that has exactly the rights the SSPR server needs (write on
 * userPassword and pwdReset, manage on pwdAccountLockedTime, read elsewhere) — so ppolicy
 * applies to its writes as it would in production.
 */
/** A test CA and a server certificate for 127.0.0.1 (openssl), so clients verify TLS for real. */
export async function makeTestCertificates(dir: string): Promise<{ caFile: string; certFile: string; keyFile: string }> {
  const caFile = path.join(dir, 'ca.pem');
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/ca.key`, '-out', caFile, '-days', '30', '-subj', '/CN=SSPR Test CA']);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', `${dir}/req.csr`, '-subj', '/CN=localhost']);
  writeFileSync(`${dir}/ext`, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await run('openssl', ['x509', '-req', '-in', `${dir}/req.csr`, '-CA', caFile, '-CAkey', `${dir}/ca.key`, '-CAcreateserial', '-out', certFile, '-days', '30', '-extfile', `${dir}/ext`]);
  return { caFile, certFile, keyFile };
}

/** `memberOf`: the memberof overlay keeps each user's memberOf (groupOfNames) up to date. */
export async function startSlapd(options: { policy?: Partial<SlapdPolicy>; tls?: boolean; memberOf?: boolean } = {}): Promise<Slapd> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sspr-slapd-'));
  mkdirSync(path.join(dir, 'db'));
  const port = await freePort();
  const tls = options.tls ? await makeTestCertificates(dir) : null;
  const tlsPort = tls ? await freePort() : null;
  const baseDn = 'dc=example,dc=org';
  const rootDn = `cn=root,${baseDn}`;
  const rootPassword = 'root-secret-not-for-sspr';
  const serviceDn = `cn=sspr,ou=services,${baseDn}`;
  const servicePassword = 'service-secret-0123';
  const policyDn = `cn=default,ou=policies,${baseDn}`;
  const url = `ldap://127.0.0.1:${port}`;
  const conf = path.join(dir, 'slapd.conf');
  writeFileSync(
    conf,
    `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
${tls ? `TLSCACertificateFile ${tls.caFile}\nTLSCertificateFile ${tls.certFile}\nTLSCertificateKeyFile ${tls.keyFile}\n` : ''}modulepath /usr/lib/ldap
moduleload back_mdb
moduleload ppolicy
${options.memberOf ? 'moduleload memberof\n' : ''}pidfile ${dir}/slapd.pid
database mdb
maxsize 104857600
suffix "${baseDn}"
rootdn "${rootDn}"
rootpw ${rootPassword}
directory ${dir}/db
# The attributes the server searches by (docs/operations.md, "Directory indexes"): without
# them every sign-in and change scans all entries (issue 12).
index objectClass eq
index uid,mail,cn eq
index entryUUID eq
index member,uniqueMember,memberUid eq
overlay ppolicy
ppolicy_default "${policyDn}"
ppolicy_hash_cleartext
ppolicy_use_lockout
${options.memberOf ? 'overlay memberof\nmemberof-refint TRUE\n' : ''}# The service account pages through the accounts expiring soon (R36): no cap on a paged search's total.
limits dn.exact="${serviceDn}" size.prtotal=unlimited
access to attrs=userPassword
  by dn.exact="${serviceDn}" write
  by self write
  by anonymous auth
  by * none
access to attrs=pwdAccountLockedTime
  by dn.exact="${serviceDn}" manage
  by * none
access to attrs=pwdReset
  by dn.exact="${serviceDn}" write
  by * none
access to *
  by dn.exact="${serviceDn}" read
  by self read
  by * none
`,
  );

  let child: ChildProcess | null = null;
  const start = async () => {
    const listen = tlsPort ? `${url}/ ldaps://127.0.0.1:${tlsPort}/` : `${url}/`;
    child = spawn('/usr/sbin/slapd', ['-f', conf, '-h', listen, '-d', '0'], { stdio: 'ignore' });
    await waitForPort(port, 10_000);
    if (tlsPort) await waitForPort(tlsPort, 10_000);
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGCONT');
    c.kill('SIGTERM');
    await exited;
  };

  const ldap = (tool: string, args: string[], input: string) =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(tool, ['-x', '-H', url, '-D', rootDn, '-w', rootPassword, ...args], { stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${tool} failed (${code}): ${err.trim()}`))));
      p.stdin.end(input);
    });

  const userDn = (uid: string) => `uid=${escapeDnValue(uid)},ou=people,${baseDn}`;
  const groupDn = (cn: string) => `cn=${escapeDnValue(cn)},ou=groups,${baseDn}`;
  const policy = { ...DEFAULT_SLAPD_POLICY, ...options.policy };

  const slapd: Slapd = {
    url,
    port,
    ldapsUrl: tlsPort ? `ldaps://127.0.0.1:${tlsPort}` : null,
    caFile: tls?.caFile ?? null,
    baseDn,
    rootDn,
    rootPassword,
    serviceDn,
    servicePassword,
    policyDn,
    userDn,
    groupDn,
    serverEnv: (through = url) => ({ SSPR_DIRECTORY_URL: through, SSPR_LDAP_BIND_DN: serviceDn, SSPR_LDAP_BIND_PASSWORD: servicePassword, SSPR_LDAP_BASE_DN: baseDn }),
    modify: (ldif, o = {}) => ldap('/usr/bin/ldapmodify', o.relax ? ['-e', 'relax'] : [], ldif),
    add: (ldif) => ldap('/usr/bin/ldapadd', [], ldif),
    async addUser(u) {
      const lines = [
        `dn: ${userDn(u.uid)}`,
        'objectClass: inetOrgPerson',
        `uid: ${u.uid}`,
        `cn: ${u.cn ?? u.uid}`,
        `sn: ${u.cn ?? u.uid}`,
        `userPassword: ${u.password}`,
      ];
      if (u.mail) lines.push(`mail: ${u.mail}`);
      if (u.mobile) lines.push(`mobile: ${u.mobile}`);
      if (u.telephoneNumber) lines.push(`telephoneNumber: ${u.telephoneNumber}`);
      // otherMailbox belongs to pilotPerson, which cannot join inetOrgPerson's structural chain.
      if (u.otherMailbox) lines.push('objectClass: extensibleObject', `otherMailbox: ${u.otherMailbox}`);
      if (u.policy) lines.push(`pwdPolicySubentry: ${u.policy}`);
      await slapd.add(lines.join('\n'));
    },
    async addGroup(cn, memberUids) {
      await slapd.add([`dn: ${groupDn(cn)}`, 'objectClass: groupOfNames', `cn: ${cn}`, ...memberUids.map((u) => `member: ${userDn(u)}`), ...(memberUids.length ? [] : [`member: ${rootDn}`])].join('\n'));
    },
    async setPolicy(values, dn = policyDn) {
      const lines = [`dn: ${dn}`, 'changetype: modify'];
      for (const [k, v] of Object.entries(values)) lines.push(`replace: ${k}`, `${k}: ${typeof v === 'boolean' ? (v ? 'TRUE' : 'FALSE') : v}`, '-');
      await slapd.modify(lines.join('\n'));
    },
    async canBind(dn, password) {
      try {
        await run('/usr/bin/ldapwhoami', ['-x', '-H', url, '-D', dn, '-w', password]);
        return true;
      } catch {
        return false;
      }
    },
    async read(dn, attributes) {
      const { stdout } = await run('/usr/bin/ldapsearch', ['-x', '-LLL', '-o', 'ldif-wrap=no', '-H', url, '-D', rootDn, '-w', rootPassword, '-b', dn, '-s', 'base', '(objectClass=*)', ...attributes]);
      const out: Record<string, string[]> = {};
      for (const line of stdout.split('\n')) {
        const m = /^([A-Za-z0-9-]+):{1,2} ?(.*)$/.exec(line);
        if (m && m[1] !== 'dn') (out[m[1]!] ??= []).push(m[2]!);
      }
      return out;
    },
    stop,
    start,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async close() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };

  await start();
  await slapd.add(
    [
      `dn: ${baseDn}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example`,
      `dn: ou=policies,${baseDn}\nobjectClass: organizationalUnit\nou: policies`,
      policyLdif(policyDn, policy),
      `dn: ou=services,${baseDn}\nobjectClass: organizationalUnit\nou: services`,
      `dn: ${serviceDn}\nobjectClass: applicationProcess\nobjectClass: simpleSecurityObject\ncn: sspr\nuserPassword: ${servicePassword}`,
      `dn: ou=people,${baseDn}\nobjectClass: organizationalUnit\nou: people`,
      `dn: ou=groups,${baseDn}\nobjectClass: organizationalUnit\nou: groups`,
    ].join('\n\n'),
  );
  return slapd;
}

/** A second policy entry (e.g. a short max age for one user). */
export async function addPolicy(slapd: Slapd, cn: string, values: Partial<SlapdPolicy>): Promise<string> {
  const dn = `cn=${escapeDnValue(cn)},ou=policies,${slapd.baseDn}`;
  await slapd.add(policyLdif(dn, { ...DEFAULT_SLAPD_POLICY, ...values }));
  return dn;
}
