/**
 * "Why can't I reset here?": the checks, in the order a connection is made — address, name,
 * port, certificate, API version, clock, readiness — then this computer's keychain and the
 * signed-in user's account. The network is reached only through the injected probes and
 * time only through the clock, so every verdict is tested against real local peers.
 * A check whose ground failed is `skipped`, naming the check that failed.
 */
import net from 'node:net';
import type { Locale } from '../../shared/api/common.js';
import type { MeStatus } from '../../shared/api/me.js';
import { API_BASE } from '../../shared/api/routes.js';
import type { EffectiveConfig } from '../../shared/ipc/config.js';
import { isLoopbackHost } from '../../shared/ipc/config.js';
import { DIAGNOSIS_CHECKS, type Diagnosis, type DiagnosisCheck, type DiagnosisCheckId, type DiagnosisVerdict, type IpcError } from '../../shared/ipc/contract.js';
import { diagnosisReport, type ReportApp } from '../common/diagnosis-report.js';
import { DIAGNOSIS_TEXT, type DiagnosisOutcome } from '../common/diagnosis-text.js';
import type { Clock } from '../common/time.js';
import type { HttpAnswer, NetworkProbes, ProbeFailure } from './network-probes.js';

/** The API major version this app speaks (`/api/v1`). */
const API_VERSION = API_BASE.replace(/^\/api\/v/, '');
/** Authenticator codes are 30-second steps: past that, codes from this computer's time fail. */
const CLOCK_FAIL_SECONDS = 30;
const CLOCK_WARN_SECONDS = 10;

export type RunMode = 'desktop' | 'kiosk' | 'logon';

/** The app's sign-in, and its user's `/me/status` (read only when the server is reachable). */
export interface AccountProbe {
  state: 'signedOut' | 'offline' | 'signedIn';
  readStatus(): Promise<{ ok: true; username: string; status: MeStatus } | { ok: false; code: string }>;
}

export interface DiagnosisInput {
  probes: NetworkProbes;
  clock: Clock;
  locale: Locale;
  app: ReportApp;
  mode: RunMode;
  /** The server's origin (without `/api/v1`), or why there is none. */
  server: { ok: true; url: string } | { ok: false; error: IpcError };
  config: Pick<EffectiveConfig, 'managed' | 'managedSource' | 'problem'>;
  keychain: { available: boolean; binding?: string | null; unavailableReason: string | null };
  /** The process environment, for the proxy variables. */
  proxyEnv: Readonly<Record<string, string | undefined>>;
  account: AccountProbe;
}

/**
 * The proxy the variables name for `url` (credentials never shown), and whether the app's
 * calls use it: Node's fetch, which main's API client is, follows these variables only when
 * `NODE_USE_ENV_PROXY=1`; otherwise it connects directly whatever they say.
 */
export function proxyFor(url: URL, env: Readonly<Record<string, string | undefined>>): { proxy: string; variable: string; bypassed: boolean; used: boolean } | null {
  const names = url.protocol === 'https:' ? ['HTTPS_PROXY', 'https_proxy', 'ALL_PROXY', 'all_proxy'] : ['HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];
  const variable = names.find((n) => env[n]?.trim());
  if (!variable) return null;
  const proxy = displayProxy(env[variable]!.trim());
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const noProxyVar = ['NO_PROXY', 'no_proxy'].find((n) => env[n]?.trim());
  const rules = noProxyVar ? env[noProxyVar]!.split(',').map((r) => r.trim().toLowerCase()).filter(Boolean) : [];
  const excluded = rules.some((r) => r === '*' || host === r.replace(/^\./, '') || host.endsWith(r.startsWith('.') ? r : `.${r}`));
  // Chromium and Node never send loopback through a proxy.
  if (isLoopbackHost(host)) return { proxy, variable: 'loopback', bypassed: true, used: false };
  if (excluded) return { proxy, variable: noProxyVar!, bypassed: true, used: false };
  return { proxy, variable, bypassed: false, used: env.NODE_USE_ENV_PROXY === '1' };
}

function displayProxy(value: string): string {
  try {
    const u = new URL(value.includes('://') ? value : `http://${value}`);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '(not a valid address)';
  }
}

/** `+45 s`: this computer minus the server; positive when this computer is ahead. */
function formatSkew(seconds: number): string {
  return `${seconds >= 0 ? '+' : '−'}${Math.abs(seconds)} s`;
}

const TLS_CLASSES: Record<string, DiagnosisOutcome<'tls'>> = {
  SELF_SIGNED_CERT_IN_CHAIN: 'untrusted',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'untrusted',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT: 'untrusted',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'untrusted',
  CERT_UNTRUSTED: 'untrusted',
  CERT_HAS_EXPIRED: 'expired',
  CERT_NOT_YET_VALID: 'notYetValid',
  ERR_TLS_CERT_ALTNAME_INVALID: 'hostMismatch',
};

export async function runDiagnosis(input: DiagnosisInput): Promise<Diagnosis> {
  const text = DIAGNOSIS_TEXT[input.locale];
  const checks: DiagnosisCheck[] = [];
  function add<C extends DiagnosisCheckId>(id: C, verdict: DiagnosisVerdict, outcome: DiagnosisOutcome<C>, facts: Record<string, string> = {}): void {
    const said = (text.checks[id] as unknown as Record<string, (f: Record<string, string>) => readonly [string, string | null]>)[outcome]!(facts);
    // A passing check asks nothing of anyone.
    checks.push({ id, verdict, title: text.checks[id].title, explanation: said[0], action: verdict === 'ok' ? null : said[1], facts: { ...facts, outcome } });
  }
  function skip(ids: DiagnosisCheckId[], after: DiagnosisCheckId): void {
    for (const id of ids) {
      const said = text.skipped(text.checks[after].title);
      checks.push({ id, verdict: 'skipped', title: text.checks[id].title, explanation: said[0], action: null, facts: { after } });
    }
  }

  add('mode', 'ok', input.mode);
  const { managed, managedSource, problem } = input.config;
  const source = managedSource ? `${managedSource.kind} ${managedSource.location}` : '';
  if (problem) add('managed-config', 'warn', 'problem', { source: source || 'managed configuration', problem });
  else if (managedSource && managed.length > 0) add('managed-config', 'ok', 'applied', { source, keys: managed.join(', ') });
  else add('managed-config', 'ok', 'none');

  await networkChecks();
  keychainCheck();
  await accountCheck();

  const order = (c: DiagnosisCheck) => DIAGNOSIS_CHECKS.indexOf(c.id);
  checks.sort((a, b) => order(a) - order(b));
  const overall = checks.some((c) => c.verdict === 'fail') ? 'fail' : checks.some((c) => c.verdict === 'warn') ? 'warn' : 'ok';
  const checkedAt = input.clock.now().toISOString();
  return { checkedAt, overall, checks, report: diagnosisReport({ app: input.app, mode: input.mode, checkedAt, overall, checks }, text) };

  async function networkChecks(): Promise<void> {
    const after: DiagnosisCheckId[] = ['proxy', 'dns', 'tcp', 'tls', 'api-version', 'clock', 'ready'];
    if (!input.server.ok) {
      add('server-url', 'fail', input.server.error.code === 'insecure_server_url' ? 'insecure' : 'notConfigured');
      return skip(after, 'server-url');
    }
    const url = new URL(input.server.url);
    add('server-url', 'ok', 'set', { url: url.origin });
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;

    const proxy = proxyFor(url, input.proxyEnv);
    const proxyCheck = (verdict: DiagnosisVerdict) => {
      if (!proxy) add('proxy', 'ok', 'none');
      else if (proxy.bypassed) add('proxy', 'ok', 'bypassed', { proxy: proxy.proxy, variable: proxy.variable });
      // A proxy is ordinary; it is worth a look only when the connection failed.
      else add('proxy', verdict, proxy.used ? 'inUse' : 'notUsed', { proxy: proxy.proxy, variable: proxy.variable });
    };

    if (net.isIP(host)) add('dns', 'ok', 'literal', { host });
    else {
      const found = await input.probes.resolve(host);
      if (!found.ok) {
        add('dns', 'fail', 'failed', { host, error: found.code });
        proxyCheck('warn');
        return skip(['tcp', 'tls', 'api-version', 'clock', 'ready'], 'dns');
      }
      add('dns', 'ok', 'resolved', { host, addresses: found.addresses.slice(0, 4).join(', ') });
    }

    const tcp = await input.probes.connect(host, port);
    if (!tcp.ok) {
      const outcome = tcp.code === 'ECONNREFUSED' ? 'refused' : tcp.code === 'ETIMEDOUT' ? 'timeout' : 'failed';
      add('tcp', 'fail', outcome, { host, port: String(port), error: tcp.code });
      proxyCheck('warn');
      return skip(['tls', 'api-version', 'clock', 'ready'], 'tcp');
    }
    add('tcp', 'ok', 'connected', { host, port: String(port) });

    if (url.protocol === 'http:') add('tls', 'ok', 'plain');
    else {
      const t = await input.probes.tls(host, port);
      if (!t.ok) {
        const facts = { host, error: t.code, subject: t.subject ?? '', issuer: t.issuer ?? '', validTo: t.validTo ?? '' };
        add('tls', 'fail', TLS_CLASSES[t.code] ?? 'failed', facts);
        proxyCheck('warn');
        return skip(['api-version', 'clock', 'ready'], 'tls');
      }
      add('tls', 'ok', 'valid', { host, subject: t.subject, issuer: t.issuer, validTo: t.validTo });
    }
    proxyCheck('ok');

    const [openApi, ready] = await Promise.all([input.probes.get(`${url.origin}${API_BASE}/openapi.json`), input.probes.get(`${url.origin}/readyz`)]);
    apiVersionCheck(openApi);
    clockCheck(openApi.ok ? openApi : ready.ok ? ready : null);
    readyCheck(ready);
  }

  function apiVersionCheck(answer: HttpAnswer | ProbeFailure): void {
    if (!answer.ok) return add('api-version', 'fail', 'failed', { error: answer.code });
    const version = (answer.json as { info?: { version?: unknown } } | null)?.info?.version;
    if (answer.status !== 200 || typeof version !== 'string') return add('api-version', 'fail', 'notSspr', { status: String(answer.status) });
    if (version.split('.')[0] !== API_VERSION) return add('api-version', 'fail', 'incompatible', { version, expected: API_VERSION });
    add('api-version', 'ok', 'compatible', { version });
  }

  function clockCheck(answer: HttpAnswer | null): void {
    const serverTime = answer?.date ? Date.parse(answer.date) : Number.NaN;
    if (Number.isNaN(serverTime)) return add('clock', 'warn', 'noDate');
    // The Date header counts whole seconds: a second either way is no skew.
    const seconds = Math.round((input.clock.now().getTime() - serverTime) / 1000);
    const facts = { skew: formatSkew(seconds), skewSeconds: String(seconds) };
    const size = Math.abs(seconds);
    if (size > CLOCK_FAIL_SECONDS) add('clock', 'fail', 'skewed', facts);
    else if (size > CLOCK_WARN_SECONDS) add('clock', 'warn', 'drifting', facts);
    else add('clock', 'ok', 'inStep', facts);
  }

  function readyCheck(answer: HttpAnswer | ProbeFailure): void {
    if (!answer.ok) return add('ready', 'fail', 'failed', { error: answer.code });
    const body = answer.json as { status?: unknown; checks?: Record<string, unknown> } | null;
    if (answer.status === 200 && body?.status === 'ready') return add('ready', 'ok', 'ready');
    if (answer.status === 503 && body?.status === 'not ready') {
      // Anonymous callers learn which part is down, never why (the server keeps that).
      const parts = Object.entries(body.checks ?? {}).filter(([, v]) => v !== 'ok').map(([k]) => k);
      return add('ready', 'fail', 'notReady', { parts: parts.join(', ') || '?' });
    }
    add('ready', 'fail', 'unexpected', { status: String(answer.status) });
  }

  function keychainCheck(): void {
    if (input.mode === 'logon') return add('keychain', 'ok', 'notAtSignIn');
    const k = input.keychain;
    if (k.available) return add('keychain', 'ok', 'available', { binding: k.binding ?? 'built-in' });
    add('keychain', 'warn', 'unavailable', { reason: k.unavailableReason ?? 'unknown' });
  }

  async function accountCheck(): Promise<void> {
    if (input.mode !== 'desktop') return add('account', 'skipped', 'sharedMachine');
    const network = checks.find((c) => c.verdict === 'fail' && ['server-url', 'dns', 'tcp', 'tls'].includes(c.id));
    if (input.account.state === 'signedOut') return add('account', 'skipped', 'notSignedIn');
    if (input.account.state === 'offline') return add('account', 'skipped', 'offline');
    if (network) return skip(['account'], network.id);
    const a = await input.account.readStatus();
    if (!a.ok) return add('account', 'fail', 'failed', { error: a.code });
    const { registration, inScope } = a.status;
    const facts = { user: a.username, methods: registration.methods.join(', ') || '—', registered: String(registration.methods.length), required: String(registration.required) };
    if (!inScope) return add('account', 'fail', 'notInScope', facts);
    if (!registration.registered) return add('account', 'warn', 'notRegistered', facts);
    add('account', 'ok', 'registered', facts);
  }
}
