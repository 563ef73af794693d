import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeTestCertificates } from './slapd.js';

const run = promisify(execFile);

/**
 * A throwaway Samba Active Directory domain controller on loopback (LDAP 127.0.0.1:389,
 * LDAPS :636 with a certificate from a test CA made here), provisioned in a temp dir.
 * It binds the well-known ports, so only one runs at a time on a machine.
 *
 * The SSPR service account is an ordinary user with exactly the delegated rights the
 * server needs on user objects: the Reset Password extended right, read/write lockoutTime
 * and pwdLastSet. Domain administrators are used only to set the test up.
 */
export interface SambaAd {
  url: string;
  caFile: string;
  /** The DC's certificate and key (for 127.0.0.1 and localhost): a counting proxy shows the same. */
  certFile: string;
  keyFile: string;
  baseDn: string;
  adminDn: string;
  adminPassword: string;
  serviceDn: string;
  servicePassword: string;
  userDn(name: string): string;
  addUser(u: { name: string; password: string; displayName?: string; mail?: string; mobile?: string; telephoneNumber?: string; otherMailbox?: string }): Promise<string>;
  addGroup(name: string, members: string[]): Promise<string>;
  /** ldapmodify as a domain administrator. */
  modify(ldif: string): Promise<void>;
  /** Sets domain password-policy attributes (minPwdAge, pwdHistoryLength, lockoutThreshold…) on the domain object. */
  setDomainPolicy(values: Record<string, string>): Promise<void>;
  /** A bind over LDAPS by ldapsearch: the DC's own answer whether a password works. */
  canBind(dn: string, password: string): Promise<boolean>;
  read(dn: string, attributes: string[]): Promise<Record<string, string[]>>;
  close(): Promise<void>;
}

/** Why a Samba AD DC cannot run on this machine, or null when it can. */
export async function sambaAdUnavailableReason(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'Samba AD needs root to run';
  for (const bin of ['/usr/sbin/samba', '/usr/bin/samba-tool', '/usr/bin/ldapmodify', '/usr/bin/openssl']) {
    if (!existsSync(bin)) return `${bin} is missing (bash scripts/ensure-system-deps.sh installs it)`;
  }
  if (!existsSync('/usr/share/samba/setup/ad-schema')) return 'samba-ad-provision is not installed (bash scripts/ensure-system-deps.sh installs it)';
  const vfs = readdirSync('/usr/lib').some((d) => existsSync(`/usr/lib/${d}/samba/vfs/acl_xattr.so`));
  if (!vfs) return 'samba-vfs-modules is not installed (bash scripts/ensure-system-deps.sh installs it)';
  for (const port of [389, 636]) {
    const busy = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (busy) return `port ${port} on 127.0.0.1 is already in use (another directory is running)`;
  }
  return null;
}

const quotedUtf16 = (password: string) => Buffer.from(`"${password}"`, 'utf16le').toString('base64');

export async function startSambaAd(): Promise<SambaAd> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sspr-samba-'));
  const dc = path.join(dir, 'dc');
  const conf = path.join(dc, 'etc', 'smb.conf');
  const adminPassword = 'Admin-Passw0rd-Test-1!';
  const servicePassword = 'Svc-Passw0rd-Test-9!';
  const baseDn = 'DC=example,DC=org';
  const adminDn = `CN=Administrator,CN=Users,${baseDn}`;
  const serviceDn = `CN=sspr-svc,CN=Users,${baseDn}`;
  const userDn = (name: string) => `CN=${name},CN=Users,${baseDn}`;

  const tls = path.join(dir, 'tls');
  mkdirSync(tls);
  const { caFile, certFile, keyFile } = await makeTestCertificates(tls);
  chmodSync(keyFile, 0o600);

  await run('samba-tool', [
    'domain', 'provision', '--realm=EXAMPLE.ORG', '--domain=EXAMPLE', '--server-role=dc', '--dns-backend=NONE',
    `--adminpass=${adminPassword}`, `--targetdir=${dc}`, '--option=interfaces=lo', '--option=bind interfaces only=yes',
  ], { maxBuffer: 64 * 1024 * 1024 });

  const child: ChildProcess = spawn('/usr/sbin/samba', [
    '-s', conf, '-i',
    '--option=server services=ldap,cldap',
    '--option=tls enabled=yes',
    `--option=tls keyfile=${keyFile}`,
    `--option=tls certfile=${certFile}`,
    `--option=tls cafile=${caFile}`,
    // By default a DC still accepts the previous password for an hour after a change.
    '--option=old password allowed period=0',
  ], { stdio: 'ignore' });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));

  const env = { ...process.env, LDAPTLS_CACERT: caFile };
  const url = 'ldaps://127.0.0.1:636';
  const asAdmin = ['-x', '-H', url, '-D', adminDn, '-w', adminPassword];

  // Samba has no WhoAmI extended operation: a bind plus a root DSE read says the same.
  const canBind = async (dn: string, password: string) => {
    try {
      await run('/usr/bin/ldapsearch', ['-x', '-H', url, '-D', dn, '-w', password, '-b', '', '-s', 'base', '1.1'], { env });
      return true;
    } catch {
      return false;
    }
  };
  const ldif = (tool: string, input: string) =>
    new Promise<void>((resolve, reject) => {
      const p = spawn(tool, asAdmin, { env, stdio: ['pipe', 'ignore', 'pipe'] });
      let err = '';
      p.stderr.on('data', (d: Buffer) => (err += d.toString()));
      p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${tool} failed (${code}): ${err.trim()}`))));
      p.stdin.end(input);
    });

  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  const deadline = Date.now() + 60_000;
  while (!(await canBind(adminDn, adminPassword))) {
    const why = child.exitCode !== null ? `samba exited (${child.exitCode})` : Date.now() > deadline ? 'samba did not answer on LDAPS within 60 s' : null;
    if (why) {
      await stop();
      // Samba's last writes can land while the folder is removed: retry rather than fail the suite.
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
      throw new Error(why);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  const ad: SambaAd = {
    url,
    caFile,
    certFile,
    keyFile,
    baseDn,
    adminDn,
    adminPassword,
    serviceDn,
    servicePassword,
    userDn,
    modify: (text) => ldif('/usr/bin/ldapmodify', text),
    async addUser(u) {
      const dn = userDn(u.name);
      const lines = [
        `dn: ${dn}`, 'changetype: add', 'objectClass: user', `sAMAccountName: ${u.name}`, `userPrincipalName: ${u.name}@example.org`,
        `unicodePwd:: ${quotedUtf16(u.password)}`, 'userAccountControl: 512',
      ];
      if (u.displayName) lines.push(`displayName: ${u.displayName}`);
      if (u.mail) lines.push(`mail: ${u.mail}`);
      if (u.mobile) lines.push(`mobile: ${u.mobile}`);
      if (u.telephoneNumber) lines.push(`telephoneNumber: ${u.telephoneNumber}`);
      if (u.otherMailbox) lines.push(`otherMailbox: ${u.otherMailbox}`);
      await ad.modify(lines.join('\n'));
      return dn;
    },
    async addGroup(name, members) {
      const dn = `CN=${name},CN=Users,${baseDn}`;
      await ad.modify([`dn: ${dn}`, 'changetype: add', 'objectClass: group', `sAMAccountName: ${name}`, ...members.map((mdn) => `member: ${mdn}`)].join('\n'));
      return dn;
    },
    async setDomainPolicy(values) {
      const lines = [`dn: ${baseDn}`, 'changetype: modify'];
      for (const [k, v] of Object.entries(values)) lines.push(`replace: ${k}`, `${k}: ${v}`, '-');
      await ad.modify(lines.join('\n'));
    },
    canBind,
    async read(dn, attributes) {
      const { stdout } = await run('/usr/bin/ldapsearch', [...asAdmin, '-LLL', '-o', 'ldif-wrap=no', '-b', dn, '-s', 'base', '(objectClass=*)', ...attributes], { env });
      const out: Record<string, string[]> = {};
      for (const line of stdout.split('\n')) {
        const m = /^([A-Za-z0-9-]+):{1,2} ?(.*)$/.exec(line);
        if (m && m[1] !== 'dn') (out[m[1]!] ??= []).push(m[2]!);
      }
      return out;
    },
    async close() {
      await stop();
      // Samba's last writes can land while the folder is removed: retry rather than fail the suite.
      rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    },
  };

  try {
    await ad.addUser({ name: 'sspr-svc', password: servicePassword });
    const { stdout } = await run('/usr/bin/ldapsearch', [...asAdmin, '-LLL', '-b', serviceDn, '-s', 'base', 'objectSid'], { env });
    const sid = sidOf(stdout);
    const userClass = 'bf967aba-0de6-11d0-a285-00aa003049e2';
    const resetPassword = '00299570-246d-11d0-a768-00aa006e0529';
    const lockoutTime = '28630ebf-41d5-11d1-a9c1-0000f80367c1';
    const pwdLastSet = 'bf967a0a-0de6-11d0-a285-00aa003049e2';
    await run('samba-tool', [
      'dsacl', 'set', '-H', path.join(dc, 'private', 'sam.ldb'), `--objectdn=${baseDn}`, '-s', conf,
      `--sddl=(OA;CIIO;CR;${resetPassword};${userClass};${sid})(OA;CIIO;RPWP;${lockoutTime};${userClass};${sid})(OA;CIIO;RPWP;${pwdLastSet};${userClass};${sid})`,
    ], { maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    await ad.close();
    throw error;
  }
  return ad;
}

/** `objectSid:: <base64>` → `S-1-5-21-…`. */
function sidOf(ldif: string): string {
  const b64 = /objectSid:: (\S+)/.exec(ldif)?.[1];
  if (!b64) throw new Error('no objectSid for the service account');
  const b = Buffer.from(b64, 'base64');
  const authority = b.readUIntBE(2, 6);
  const subs: number[] = [];
  for (let i = 0; i < b[1]!; i++) subs.push(b.readUInt32LE(8 + i * 4));
  return `S-${b[0]}-${authority}-${subs.join('-')}`;
}
