/**
 * "Why can't I reset here?" against real peers on loopback: the real SSPR server, a port
 * nothing listens on, HTTPS servers with certificates from a CA this computer does not
 * trust (or does, for the test), a server whose Date header is skewed, and an absent
 * keychain. Every probe is the real one (node:dns, net, tls, http).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Diagnosis, DiagnosisCheckId } from '../../shared/ipc/contract.js';
import { systemClock } from '../../src-main/common/time.js';
import { proxyFor, runDiagnosis, type DiagnosisInput } from '../../src-main/node/diagnosis.js';
import { networkProbes } from '../../src-main/node/network-probes.js';
import { UnavailableSecretStore, type SecretStore } from '../../src-main/node/secret-store.js';
import { closedPort } from '../helpers/free-port.js';
import { startTestServer, type TestServer } from '../helpers/test-server.js';
import { mailedCode, userWithEmail } from '../helpers/reset-helpers.js';
import { companionFor } from '../helpers/companion.js';

const run = promisify(execFile);

/** A CA and a server certificate for `san` (openssl), under `dir`. */
async function certificates(dir: string, san: string, cn: string) {
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/ca.key`, '-out', `${dir}/ca.pem`, '-days', '30', '-subj', '/CN=Diagnosis Test CA']);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/key.pem`, '-out', `${dir}/req.csr`, '-subj', `/CN=${cn}`]);
  writeFileSync(`${dir}/ext`, `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', ['x509', '-req', '-in', `${dir}/req.csr`, '-CA', `${dir}/ca.pem`, '-CAkey', `${dir}/ca.key`, '-CAcreateserial', '-out', `${dir}/cert.pem`, '-days', '30', '-extfile', `${dir}/ext`]);
  return { ca: readFileSync(`${dir}/ca.pem`, 'utf8'), cert: readFileSync(`${dir}/cert.pem`, 'utf8'), key: readFileSync(`${dir}/key.pem`, 'utf8') };
}

interface PeerOptions {
  /** Seconds added to the Date header (the server's clock is off, or this computer's is). */
  dateOffsetSeconds?: number;
  apiVersion?: string;
  /** `hangUp`: the connection is dropped without an answer. */
  ready?: { status: number; body: unknown } | 'hangUp';
}

/** A stand-in for the SSPR server: `/api/v1/openapi.json` and `/readyz`, over HTTP or HTTPS. */
async function startPeer(options: PeerOptions & { tls?: { cert: string; key: string } } = {}) {
  const handler: http.RequestListener = (req, res) => {
    res.setHeader('Date', new Date(Date.now() + (options.dateOffsetSeconds ?? 0) * 1000).toUTCString());
    res.setHeader('content-type', 'application/json');
    if (req.url === '/api/v1/openapi.json') return res.end(JSON.stringify({ openapi: '3.1.0', info: { title: 'SSPR API', version: options.apiVersion ?? '1' } }));
    if (req.url === '/readyz') {
      if (options.ready === 'hangUp') return req.socket.destroy();
      const ready = options.ready ?? { status: 200, body: { status: 'ready', checks: { store: 'ok', directory: 'ok' } } };
      res.statusCode = ready.status;
      return res.end(JSON.stringify(ready.body));
    }
    res.statusCode = 404;
    res.end('{}');
  };
  const server = options.tls ? https.createServer({ cert: options.tls.cert, key: options.tls.key }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const AVAILABLE: SecretStore = new (class {
  readonly available = true;
  readonly unavailableReason = null;
  readonly binding = '@napi-rs/keyring' as const;
  async get() {
    return null;
  }
  async set() {}
  async delete() {
    return false;
  }
})();

function input(serverUrl: string | null, overrides: Partial<DiagnosisInput> = {}): DiagnosisInput {
  return {
    probes: networkProbes({ timeoutMs: 3000 }),
    clock: systemClock,
    locale: 'en',
    app: { name: 'SSPR Companion', version: '0.0.0-test', platform: 'linux', instanceId: 'diag-test' },
    mode: 'desktop',
    server: serverUrl ? { ok: true, url: serverUrl } : { ok: false, error: { code: 'not_configured', detail: 'No server URL is configured.' } },
    config: { managed: [], managedSource: null, problem: null },
    keychain: AVAILABLE,
    proxyEnv: {},
    account: { state: 'signedOut', readStatus: async () => ({ ok: false, code: 'not_signed_in' }) },
    ...overrides,
  };
}

const check = (d: Diagnosis, id: DiagnosisCheckId) => d.checks.find((c) => c.id === id)!;
const verdicts = (d: Diagnosis) => Object.fromEntries(d.checks.map((c) => [c.id, c.verdict]));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'sspr-diag-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('diagnosis against stand-in servers', () => {
  it('a healthy server: every network check passes, in order, and nothing asks the person to act', async () => {
    const peer = await startPeer();
    try {
      const d = await runDiagnosis(input(`http://127.0.0.1:${peer.port}`));
      expect(d.checks.map((c) => c.id)).toEqual(['server-url', 'mode', 'managed-config', 'proxy', 'dns', 'tcp', 'tls', 'api-version', 'clock', 'ready', 'keychain', 'account']);
      expect(verdicts(d)).toMatchObject({ 'server-url': 'ok', dns: 'ok', tcp: 'ok', tls: 'ok', 'api-version': 'ok', clock: 'ok', ready: 'ok', keychain: 'ok', account: 'skipped' });
      expect(d.overall).toBe('ok');
      expect(check(d, 'keychain').explanation).toContain('@napi-rs/keyring');
      expect(d.checks.filter((c) => c.verdict === 'ok').every((c) => c.action === null)).toBe(true);
    } finally {
      await peer.close();
    }
  });

  it('server down: a port nothing listens on fails at the connection, names host and port, and skips what depends on it', async () => {
    const port = await closedPort();
    const d = await runDiagnosis(input(`http://127.0.0.1:${port}`));
    const tcp = check(d, 'tcp');
    expect(tcp).toMatchObject({ verdict: 'fail', facts: { outcome: 'refused', error: 'ECONNREFUSED', port: String(port) } });
    expect(tcp.action).toMatch(/helpdesk/);
    for (const id of ['tls', 'api-version', 'clock', 'ready'] as const) expect(check(d, id)).toMatchObject({ verdict: 'skipped', facts: { after: 'tcp' } });
    expect(d.overall).toBe('fail');
    expect(d.report).toContain('[Problem] Connecting to the server');
  });

  it('a name that does not resolve fails at DNS', async () => {
    const d = await runDiagnosis(input('https://sspr.invalid'));
    expect(check(d, 'dns')).toMatchObject({ verdict: 'fail', facts: { host: 'sspr.invalid' } });
    expect(check(d, 'tcp').verdict).toBe('skipped');
  });

  it('wrong CA: a certificate from a CA this computer does not trust fails TLS as "untrusted", naming the issuer', async () => {
    const certs = await certificates(mkdtempSync(path.join(dir, 'ca-')), 'IP:127.0.0.1,DNS:localhost', 'localhost');
    const peer = await startPeer({ tls: certs });
    try {
      const d = await runDiagnosis(input(`https://127.0.0.1:${peer.port}`));
      expect(check(d, 'tls')).toMatchObject({ verdict: 'fail', facts: { outcome: 'untrusted', issuer: 'Diagnosis Test CA' } });
      expect(check(d, 'tls').explanation).toContain('Diagnosis Test CA');
      expect(check(d, 'api-version')).toMatchObject({ verdict: 'skipped', facts: { after: 'tls' } });

      // The same server with its CA trusted: valid; asked for by another name: a mismatch.
      const trusted = networkProbes({ ca: [certs.ca], timeoutMs: 3000 });
      const ok = await runDiagnosis(input(`https://127.0.0.1:${peer.port}`, { probes: trusted }));
      expect(verdicts(ok)).toMatchObject({ tls: 'ok', 'api-version': 'ok', clock: 'ok', ready: 'ok' });
      expect(check(ok, 'tls').facts).toMatchObject({ issuer: 'Diagnosis Test CA', subject: 'localhost' });
    } finally {
      await peer.close();
    }
  });

  it('a certificate for another host fails TLS as a host mismatch', async () => {
    const certs = await certificates(mkdtempSync(path.join(dir, 'other-')), 'DNS:sspr.other.example', 'sspr.other.example');
    const peer = await startPeer({ tls: certs });
    try {
      const d = await runDiagnosis(input(`https://127.0.0.1:${peer.port}`, { probes: networkProbes({ ca: [certs.ca], timeoutMs: 3000 }) }));
      expect(check(d, 'tls')).toMatchObject({ verdict: 'fail', facts: { outcome: 'hostMismatch', error: 'ERR_TLS_CERT_ALTNAME_INVALID', subject: 'sspr.other.example' } });
    } finally {
      await peer.close();
    }
  });

  it('clock skew: past ±30 s fails (authenticator codes are refused), past ±10 s warns, and the sign says which side is ahead', async () => {
    const behind = await startPeer({ dateOffsetSeconds: 120 });
    const drifting = await startPeer({ dateOffsetSeconds: -20 });
    try {
      const d = await runDiagnosis(input(`http://127.0.0.1:${behind.port}`));
      expect(check(d, 'clock')).toMatchObject({ verdict: 'fail', facts: { outcome: 'skewed' } });
      expect(Number(check(d, 'clock').facts.skewSeconds)).toBeGreaterThanOrEqual(-122);
      expect(Number(check(d, 'clock').facts.skewSeconds)).toBeLessThanOrEqual(-118);
      expect(check(d, 'clock').explanation).toMatch(/authenticator/);
      const w = await runDiagnosis(input(`http://127.0.0.1:${drifting.port}`));
      expect(check(w, 'clock')).toMatchObject({ verdict: 'warn', facts: { outcome: 'drifting' } });
      expect(w.overall).toBe('warn');
    } finally {
      await behind.close();
      await drifting.close();
    }
  });

  it('not ready: the anonymous readiness answer names the part that is down and nothing more; a newer API fails the version check', async () => {
    const peer = await startPeer({ apiVersion: '2', ready: { status: 503, body: { status: 'not ready', checks: { store: 'ok', directory: 'unavailable' } } } });
    try {
      const d = await runDiagnosis(input(`http://127.0.0.1:${peer.port}`));
      expect(check(d, 'ready')).toMatchObject({ verdict: 'fail', facts: { outcome: 'notReady', parts: 'directory' } });
      expect(check(d, 'api-version')).toMatchObject({ verdict: 'fail', facts: { outcome: 'incompatible', version: '2', expected: '1' } });
    } finally {
      await peer.close();
    }
    const hangsUp = await startPeer({ ready: 'hangUp' });
    try {
      const d = await runDiagnosis(input(`http://127.0.0.1:${hangsUp.port}`));
      expect(check(d, 'ready')).toMatchObject({ verdict: 'fail', facts: { outcome: 'failed', error: 'ECONNRESET' } });
      // The clock is still read from the answer that came.
      expect(check(d, 'clock').verdict).toBe('ok');
    } finally {
      await hangsUp.close();
    }
  });

  it('no keychain: a warning that says why and what the person loses; at the sign-in screen it is by design', async () => {
    const peer = await startPeer();
    try {
      const none = await runDiagnosis(input(`http://127.0.0.1:${peer.port}`, { keychain: new UnavailableSecretStore('no Secret Service on the session bus') }));
      expect(check(none, 'keychain')).toMatchObject({ verdict: 'warn', facts: { reason: 'no Secret Service on the session bus' } });
      expect(check(none, 'keychain').action).toMatch(/keychain/);
      const logon = await runDiagnosis(input(`http://127.0.0.1:${peer.port}`, { mode: 'logon', keychain: new UnavailableSecretStore('logon mode') }));
      expect(check(logon, 'keychain')).toMatchObject({ verdict: 'ok', facts: { outcome: 'notAtSignIn' } });
      expect(check(logon, 'mode').facts.outcome).toBe('logon');
      expect(check(logon, 'account').verdict).toBe('skipped');
    } finally {
      await peer.close();
    }
  });

  it('not configured: fails at the address and checks nothing on the network; managed settings say where they came from', async () => {
    const d = await runDiagnosis(input(null, { config: { managed: ['kioskMode', 'serverUrl'], managedSource: { kind: 'linux-file', location: '/etc/sspr-companion/config.json' }, problem: null } }));
    expect(check(d, 'server-url')).toMatchObject({ verdict: 'fail', facts: { outcome: 'notConfigured' } });
    expect(d.checks.filter((c) => c.verdict === 'skipped').map((c) => c.id)).toEqual(['proxy', 'dns', 'tcp', 'tls', 'api-version', 'clock', 'ready', 'account']);
    expect(check(d, 'managed-config').explanation).toBe('Your organisation set kioskMode, serverUrl (from linux-file /etc/sspr-companion/config.json).');
    const insecure = await runDiagnosis(input(null, { server: { ok: false, error: { code: 'insecure_server_url', detail: 'https only' } } }));
    expect(check(insecure, 'server-url')).toMatchObject({ verdict: 'fail', facts: { outcome: 'insecure' } });
    expect(check(insecure, 'server-url').action).toMatch(/https:\/\//);
  });

  it('speaks Japanese when the app does', async () => {
    const port = await closedPort();
    const d = await runDiagnosis(input(`http://127.0.0.1:${port}`, { locale: 'ja' }));
    expect(check(d, 'tcp').title).toBe('サーバーへの接続');
    expect(d.report).toContain('[問題あり] サーバーへの接続');
  });
});

describe('the proxy in use', () => {
  const url = new URL('https://sspr.corp.example');
  it('is read from the environment, shown without its credentials', () => {
    expect(proxyFor(url, { HTTPS_PROXY: 'http://jo:hunter2@proxy.corp.example:3128' })).toEqual({ proxy: 'http://proxy.corp.example:3128', variable: 'HTTPS_PROXY', bypassed: false, used: false });
    expect(proxyFor(url, {})).toBeNull();
    expect(proxyFor(new URL('http://127.0.0.1:8787'), { HTTP_PROXY: 'proxy:3128' })).toMatchObject({ bypassed: true, variable: 'loopback' });
  });
  it('is used by the app\'s calls only where Node is told to follow the variables (NODE_USE_ENV_PROXY=1)', async () => {
    expect(proxyFor(url, { HTTPS_PROXY: 'proxy:3128', NODE_USE_ENV_PROXY: '1' })).toMatchObject({ used: true, bypassed: false });
    // A direct connection that fails with a proxy set: the proxy line asks for a look.
    const port = await closedPort();
    const d = await runDiagnosis(input(`http://127.0.0.2:${port}`, { proxyEnv: { HTTP_PROXY: 'http://proxy.corp.example:3128' } }));
    expect(check(d, 'proxy')).toMatchObject({ verdict: 'ok', facts: { outcome: 'bypassed', variable: 'loopback' } });
    const remote = await runDiagnosis(input('https://sspr.invalid', { proxyEnv: { HTTPS_PROXY: 'http://proxy.corp.example:3128' } }));
    expect(check(remote, 'proxy')).toMatchObject({ verdict: 'warn', facts: { outcome: 'notUsed', proxy: 'http://proxy.corp.example:3128' } });
    expect(check(remote, 'proxy').action).toMatch(/NODE_USE_ENV_PROXY=1/);
  });
  it('is bypassed for hosts NO_PROXY names (a domain covers its subdomains)', () => {
    expect(proxyFor(url, { https_proxy: 'proxy:3128', NO_PROXY: 'localhost,.corp.example' })).toMatchObject({ bypassed: true, variable: 'NO_PROXY' });
    expect(proxyFor(url, { https_proxy: 'proxy:3128', no_proxy: 'corp.example' })).toMatchObject({ bypassed: true });
    expect(proxyFor(url, { https_proxy: 'proxy:3128', no_proxy: 'other.example' })).toMatchObject({ bypassed: false });
  });
});

/** A fetch and a keychain that record every secret that crosses the wire or is stored, to look for it later. */
function secretRecorder() {
  const secrets = new Set<string>();
  const collect = (value: unknown, key = ''): void => {
    if (typeof value === 'string' && /token|secret|code|password|signature/i.test(key) && value.length >= 6) secrets.add(value);
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) collect(v, k);
  };
  const recordingFetch: typeof fetch = async (url, init) => {
    const auth = new Headers(init?.headers).get('authorization');
    if (auth) secrets.add(auth.replace(/^Bearer /, ''));
    if (typeof init?.body === 'string') collect(JSON.parse(init.body));
    const res = await fetch(url, init);
    const text = await res.clone().text();
    try {
      collect(JSON.parse(text));
    } catch {
      // not JSON
    }
    return res;
  };
  const stored = new Map<string, string>();
  const keychain: SecretStore = {
    available: true,
    unavailableReason: null,
    binding: '@napi-rs/keyring',
    get: async (k) => stored.get(k) ?? null,
    set: async (k, v) => {
      stored.set(k, v);
      collect(JSON.parse(v.startsWith('{') ? v : '{}'));
      secrets.add(v);
    },
    delete: async (k) => stored.delete(k),
  };
  return { secrets, fetch: recordingFetch, keychain };
}

describe('diagnosis through the IPC channel, against the real server', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ startAt: new Date().toISOString() });
    await t.setPolicy((p) => {
      p.sspr.methodsRequired = 1;
    });
  });
  afterAll(async () => {
    await t.close();
  });

  describe('R40: a signed-in user is told they are in scope and registered, and the report holds no token, password or code', () => {
    // One signed-in companion with a reset in progress (a code sent), every secret it sent,
    // received or stored recorded, and the diagnosis it then ran.
    let recorder: ReturnType<typeof secretRecorder>;
    let h: Awaited<ReturnType<typeof companionFor>>;
    let d: Diagnosis;
    beforeAll(async () => {
      const { address } = await userWithEmail(t, 'mika');
      recorder = secretRecorder();
      recorder.secrets.add('Initial-Passw0rd!');
      h = await companionFor(t.url, { secrets: recorder.keychain, deps: { clock: systemClock, api: { timeoutMs: 5000, delay: async () => {}, fetch: recorder.fetch } } });
      await h.invoke('auth:signIn', { username: 'mika', password: 'Initial-Passw0rd!' });
      // A reset in progress with a code sent: its session token and the code are secrets too.
      const started = await h.invoke('reset:start', { username: 'mika' });
      const before = t.smtp.mails.length;
      await h.invoke('reset:challenge', { methodId: started.methods[0]!.id });
      recorder.secrets.add(await mailedCode(t, address, before));
      d = await h.invoke('diagnosis:run');
    });
    afterAll(() => {
      h?.companion.stop();
    });

    it('R40: every check passes and the account check names the user, their methods and that they can reset here', () => {
      expect(verdicts(d)).toMatchObject({ 'server-url': 'ok', tcp: 'ok', 'api-version': 'ok', clock: 'ok', ready: 'ok', keychain: 'ok', account: 'ok' });
      expect(check(d, 'account').facts).toMatchObject({ user: 'mika', methods: 'email' });
      expect(d.report).toContain('mika can reset their password here');
    });

    it('R40: no password, token, session token or code that crossed the wire or reached the keychain is in the diagnosis', () => {
      expect(recorder.secrets.size).toBeGreaterThanOrEqual(4);
      const everything = JSON.stringify(d);
      for (const secret of recorder.secrets) expect(everything.includes(secret), `a secret (${secret.length} characters) is in the diagnosis`).toBe(false);
    });
  });

  it('"Copy report" puts exactly the last report main built on the clipboard; at the sign-in screen it refuses', async () => {
    const copied: string[] = [];
    const h = await companionFor(t.url, { secrets: AVAILABLE, deps: { clock: systemClock, clipboard: { writeText: (text) => void copied.push(text) } } });
    const logon = await companionFor(t.url, { secrets: AVAILABLE, deps: { clock: systemClock, logon: { exit: () => {} }, clipboard: { writeText: (text) => void copied.push(text) } } });
    try {
      expect((await h.invokeError('diagnosis:copyReport')).code).toBe('not_found');
      const d = await h.invoke('diagnosis:run');
      await h.invoke('diagnosis:copyReport');
      expect(copied).toEqual([d.report]);
      await logon.invoke('diagnosis:run');
      expect((await logon.invokeError('diagnosis:copyReport')).code).toBe('forbidden');
      expect(copied).toHaveLength(1);
    } finally {
      h.companion.stop();
      logon.companion.stop();
    }
  });

  it('a user out of scope is told so', async () => {
    await t.setPolicy((p) => {
      p.sspr.scope = { mode: 'selected', groups: ['sspr-users'] };
    });
    try {
      await userWithEmail(t, 'noor');
      const h = await companionFor(t.url, { secrets: AVAILABLE, deps: { clock: systemClock } });
      try {
        await h.invoke('auth:signIn', { username: 'noor', password: 'Initial-Passw0rd!' });
        const d = await h.invoke('diagnosis:run');
        expect(check(d, 'account')).toMatchObject({ verdict: 'fail', facts: { outcome: 'notInScope', user: 'noor' } });
      } finally {
        h.companion.stop();
      }
    } finally {
      await t.setPolicy((p) => {
        p.sspr.scope = { mode: 'all', groups: [] };
      });
    }
  });
});
