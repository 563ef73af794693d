/**
 * The app's main-process core and its IPC handler table: one plain object, channel →
 * handler, built from plain dependencies (config, keychain, clock, timers, notifier, event
 * sink). No Electron here: the Electron adapter and the Playwright test host serve this
 * same table, and unit tests call it directly against a real server.
 */
import type { Approval } from '../../shared/api/me.js';
import type { PublicPolicy } from '../../shared/api/policy.js';
import type { RegisterMethodRequest } from '../../shared/api/me.js';
import {
  IPC_CHANNELS,
  type IpcChannel,
  type IpcError,
  type IpcEventSink,
  type IpcResult,
  type SessionInfo,
  type StatusView,
} from '../../shared/ipc/contract.js';
import { afterResetGuidance } from '../common/after-reset-guidance.js';
import { LogonOutcomeTracker } from '../common/logon-mode.js';
import type { IpcHandlers } from '../common/ipc-dispatch.js';
import { isExternalLinkAllowed } from '../common/window-options.js';
import { IdleTimer } from '../common/idle-timer.js';
import { approvalNotification, type NativeNotification } from '../common/notification-text.js';
import { ipcError } from '../common/problem.js';
import { StatusMonitor } from '../common/status-monitor.js';
import type { Clock, TimerHandle, Timers } from '../common/time.js';
import { AccountCache } from './account-cache.js';
import { AccountSession, isUnreachable } from './account-session.js';
import { solveProofOfWork } from './proof-of-work-solver.js';
import { ApiClient, type ApiClientOptions } from './api-client.js';
import { ApprovalsWatcher } from './approvals-watcher.js';
import type { ConfigService } from './config-service.js';
import { PasswordAdvisor } from './password-strength.js';
import { generateDeviceKey, signApproval } from './push-key.js';
import { ResetTokenHolder } from './reset-token-holder.js';
import { runDiagnosis, type RunMode } from './diagnosis.js';
import { networkProbes, type NetworkProbes } from './network-probes.js';
import { StepUpSession } from './step-up-session.js';
import type { SecretStore } from './secret-store.js';

/** A reset session lives 15 minutes on the server (R13): the desktop forgets an abandoned one then. */
export const DESKTOP_IDLE_MS = 15 * 60_000;

export interface Notifier {
  /** A native notification; a click should send `app:navigate` with `n.screen`. */
  show(n: NativeNotification): void;
}

export interface CompanionDeps {
  app: { name: string; version: string; platform: string; instanceId: string; /** The OS account running the app (after-reset guidance). */ osUsername?: string };
  config: ConfigService;
  secrets: SecretStore;
  clock: Clock;
  timers: Timers;
  notifier: Notifier;
  events: IpcEventSink;
  /** Hands a checked https:/mailto: link to the OS; absent where there is no OS shell (tests). */
  openExternal?: (url: string) => Promise<void>;
  /** Logon mode (`--logon`): how main ends the process with an exit code. */
  logon?: { exit(code: number): void };
  /** The diagnosis's way to the network (default: the real DNS, TCP, TLS and HTTP probes). */
  probes?: NetworkProbes;
  /** The environment's proxy variables, for the diagnosis (default: none). */
  proxyEnv?: Readonly<Record<string, string | undefined>>;
  /** The OS clipboard, for the diagnosis report; absent at the sign-in screen and in tests without one. */
  clipboard?: { writeText(text: string): void };
  /** Started with `--diagnose`: the renderer opens the diagnosis first. */
  openDiagnosis?: boolean;
  /** Test knobs for the API client (timeouts, backoff). */
  api?: Partial<Pick<ApiClientOptions, 'timeoutMs' | 'maxAttempts' | 'delay' | 'fetch'>>;
  statusIntervalMs?: number;
  approvalsIntervalMs?: number;
}

/** The public policy is re-read after this long (or when the server URL changes). */
const POLICY_TTL_MS = 5 * 60_000;

const ok = <T>(value: T): IpcResult<T> => ({ ok: true, value });
const fail = (error: IpcError): IpcResult<never> => ({ ok: false, error });

/** After start, when the password checklist's dictionaries are built. */
export const ADVISOR_PREPARE_DELAY_MS = 3000;

export class Companion {
  readonly api: ApiClient;
  readonly cache: AccountCache;
  readonly session: AccountSession;
  readonly reset: ResetTokenHolder;
  readonly stepUp: StepUpSession;
  readonly status: StatusMonitor;
  readonly approvals: ApprovalsWatcher;
  readonly idle: IdleTimer;
  readonly handlers: IpcHandlers;
  private readonly advisor = new PasswordAdvisor();
  private advisorPreparing: TimerHandle | null = null;
  /** What logon mode's exit code reports (followed in every mode; read only in logon mode). */
  readonly logonOutcome = new LogonOutcomeTracker();
  private policy: { value: PublicPolicy; at: number; server: string | null } | null = null;
  /** The last diagnosis report: the only text "Copy report" can put on the clipboard. */
  private lastReport: string | null = null;

  constructor(private readonly deps: CompanionDeps) {
    const { config, clock, timers, events } = deps;
    this.api = new ApiClient({
      serverUrl: () => config.get().serverUrl,
      instanceId: deps.app.instanceId,
      locale: () => config.get().locale,
      clock,
      proofOfWork: { solve: solveProofOfWork, solving: (active) => events.emit('proof:solving', { active }) },
      ...deps.api,
    });
    this.cache = new AccountCache(deps.secrets);
    this.session = new AccountSession(this.api, this.cache, clock, deps.app.instanceId, (info) => this.sessionChanged(info));
    this.reset = new ResetTokenHolder(this.api, () => config.get().locale);
    this.stepUp = new StepUpSession(this.api, this.session, () => config.get().locale);
    this.status = new StatusMonitor({
      clock,
      timers,
      ...(deps.statusIntervalMs ? { intervalMs: deps.statusIntervalMs } : {}),
      readStatus: async () => {
        const r = await this.readStatus();
        return r.ok ? r.value : null;
      },
      loadMemory: async () => this.cache.alerts(this.session.username ?? ''),
      saveMemory: async (m) => {
        if (this.session.username) await this.cache.setAlerts(this.session.username, m);
      },
      warningDays: () => config.get().warningDays,
      locale: () => config.get().locale,
      notify: (n) => deps.notifier.show(n),
      events,
    });
    this.approvals = new ApprovalsWatcher({
      timers,
      ...(deps.approvalsIntervalMs ? { intervalMs: deps.approvalsIntervalMs } : {}),
      list: async () => {
        if (!this.session.info().signedIn || !(await this.pushKey())) {
          this.approvals.stop();
          return null;
        }
        if (this.session.info().offline) return null;
        const r = await this.session.call('listApprovals', {});
        return r.ok ? r.value.approvals : null;
      },
      announce: (approval) => this.announceApproval(approval),
    });
    // A kiosk is shared: forget a visitor soon. On a person's own desktop, someone waiting for
    // an emailed code must not lose the reset: forget it only when the server's session ends.
    const idleMs = config.get().kioskMode ? config.get().idleTimeoutSeconds * 1000 : DESKTOP_IDLE_MS;
    this.idle = new IdleTimer({ clock, timers, timeoutMs: idleMs, onIdle: () => void this.idleReset() });
    this.handlers = this.buildHandlers();
  }

  /** At app start: restore the last session from the keychain and start the background work. */
  async start(): Promise<void> {
    this.idle.start();
    // The strength dictionaries take ~0.6 s to build: once the window is up, not at the first keystroke.
    this.advisorPreparing = this.deps.timers.setTimeout(() => {
      this.advisorPreparing = null;
      this.advisor.prepare();
    }, ADVISOR_PREPARE_DELAY_MS);
    if (this.deps.config.get().kioskMode) return;
    await this.session.restore();
  }

  stop(): void {
    if (this.advisorPreparing) this.deps.timers.clearTimeout(this.advisorPreparing);
    this.advisorPreparing = null;
    this.idle.stop();
    this.status.stop();
    this.approvals.stop();
  }

  /** Any input or call resets the idle clock. */
  activity(): void {
    this.idle.activity();
  }

  /** Idle timeout: forget the reset in progress (and a kiosk visitor's choices), back to start. */
  async idleReset(): Promise<void> {
    const hadReset = this.reset.inProgress;
    await this.reset.cancel();
    const kiosk = this.deps.config.get().kioskMode;
    if (kiosk) this.deps.config.resetVisitor();
    if (kiosk || hadReset) this.deps.events.emit('idle:reset', { reason: 'idle' });
  }

  private sessionChanged(info: SessionInfo): void {
    this.deps.events.emit('session:changed', info);
    if (info.signedIn) {
      void this.status.start();
      // Only a device registered for push approvals polls for them.
      void this.pushKey().then((key) => {
        if (key?.methodId) this.approvals.start();
      });
    } else {
      this.status.stop();
      this.approvals.stop();
    }
  }

  private announceApproval(approval: Approval): void {
    this.deps.events.emit('approval:request', { approval });
    this.deps.notifier.show(approvalNotification(this.deps.config.get().locale));
  }

  /** `/me/status` from the server (cached for offline), or the cache marked stale. */
  async readStatus(): Promise<IpcResult<StatusView>> {
    const username = this.session.username;
    if (!username || !this.session.info().signedIn) return fail(ipcError('not_signed_in', 'Sign in first.'));
    const r = await this.session.call('getMyStatus', {});
    if (r.ok) {
      await this.cache.setStatus(username, r.value);
      return ok({ status: r.value, stale: false, checkedAt: r.value.checkedAt });
    }
    if (isUnreachable(r.error)) {
      const cached = await this.cache.status(username);
      if (cached) return ok({ status: cached, stale: true, checkedAt: cached.checkedAt });
    }
    return r;
  }

  /** "Why can't I reset here?" for this computer, in the app's language. */
  private diagnose() {
    const { deps } = this;
    const current = deps.config.get();
    const mode: RunMode = deps.logon ? 'logon' : current.kioskMode ? 'kiosk' : 'desktop';
    const info = this.session.info();
    return runDiagnosis({
      probes: deps.probes ?? networkProbes(),
      clock: deps.clock,
      locale: current.locale,
      app: deps.app,
      mode,
      server: this.api.baseUrl(),
      config: current,
      keychain: deps.secrets,
      proxyEnv: deps.proxyEnv ?? {},
      account: {
        state: !info.signedIn ? 'signedOut' : info.offline ? 'offline' : 'signedIn',
        readStatus: async () => {
          const r = await this.session.call('getMyStatus', {});
          return r.ok ? { ok: true, username: this.session.username ?? '', status: r.value } : { ok: false, code: r.error.code };
        },
      },
    });
  }

  private async publicPolicy(): Promise<IpcResult<PublicPolicy>> {
    const server = this.deps.config.get().serverUrl;
    const now = this.deps.clock.now().getTime();
    if (this.policy && this.policy.server === server && now - this.policy.at < POLICY_TTL_MS) return ok(this.policy.value);
    const r = await this.api.call('getPolicy', {});
    if (!r.ok) return r;
    this.policy = { value: r.value, at: now, server };
    return ok(r.value);
  }

  private async pushKey() {
    const username = this.session.username;
    return username ? this.cache.pushKey(username) : null;
  }

  private buildHandlers(): IpcHandlers {
    const { config, deps } = { config: this.deps.config, deps: this.deps };
    const table: IpcHandlers = {
      'app:getInfo': async () =>
        ok({ name: deps.app.name, version: deps.app.version, instanceId: deps.app.instanceId, platform: deps.app.platform, kioskMode: config.get().kioskMode, logonMode: deps.logon !== undefined, keychainAvailable: deps.secrets.available, openDiagnosis: deps.openDiagnosis ?? false }),
      'app:activity': async () => {
        this.activity();
        return ok(null);
      },
      'app:openContactAdmin': async () => {
        const policy = await this.publicPolicy();
        const contact = config.get().branding.contactAdmin ?? (policy.ok ? policy.value.branding.contactAdmin : null);
        if (!contact) return fail(ipcError('not_found', 'No administrator contact is configured.'));
        const url = /^[^\s@/:]+@[^\s@/]+$/.test(contact) ? `mailto:${contact}` : contact;
        if (!isExternalLinkAllowed(url) || !deps.openExternal) return fail(ipcError('forbidden', 'This contact address cannot be opened from the app.'));
        await deps.openExternal(url);
        return ok(null);
      },

      'device:afterResetGuidance': async ({ username }) =>
        ok(afterResetGuidance({ platform: deps.app.platform, logon: deps.logon !== undefined, kiosk: config.get().kioskMode, username, osUsername: deps.app.osUsername ?? null })),
      'logon:finish': async () => {
        if (!deps.logon) return fail(ipcError('forbidden', 'Only the sign-in screen\'s app exits to it.'));
        await this.reset.cancel();
        deps.logon.exit(this.logonOutcome.exitCode());
        return ok(null);
      },

      'diagnosis:run': async () => {
        const d = await this.diagnose();
        this.lastReport = d.report;
        return ok(d);
      },
      'diagnosis:copyReport': async () => {
        if (deps.logon || !deps.clipboard) return fail(ipcError('forbidden', 'The report cannot be copied here.'));
        if (this.lastReport === null) return fail(ipcError('not_found', 'Run the checks first.'));
        deps.clipboard.writeText(this.lastReport);
        return ok(null);
      },

      'config:get': async () => ok(config.get()),
      'config:set': async (change) => {
        const before = config.get().serverUrl;
        const r = config.set(change);
        if (!r.ok) {
          return 'managed' in r
            ? fail(ipcError('managed_setting', `Set by your organisation and read-only: ${r.managed.join(', ')}.`))
            : fail(ipcError('kiosk_mode', 'Only the language can be changed on this kiosk.'));
        }
        if (r.config.serverUrl !== before) {
          // Another server: nothing from the old one carries over.
          this.policy = null;
          await this.reset.cancel();
        }
        return ok(r.config);
      },

      'policy:get': () => this.publicPolicy(),

      'reset:start': ({ username }) => this.reset.start(username),
      'reset:state': () => this.reset.state(),
      'reset:challenge': ({ methodId, channel }) => this.reset.challenge(methodId, channel),
      'reset:verify': (input) => this.reset.verify(input),
      'reset:setPassword': (input) => this.reset.setPassword(input),
      'reset:unlock': () => this.reset.unlock(),
      'reset:cancel': async () => {
        await this.reset.cancel();
        return ok(null);
      },

      'password:check': async ({ password, purpose }) => {
        const policy = await this.publicPolicy();
        if (!policy.ok) return policy;
        const owner = purpose === 'reset' ? (this.reset.passwordOwner ?? { username: '' }) : { username: this.session.username ?? '', displayName: this.session.user?.displayName ?? null };
        return ok(this.advisor.check(password, policy.value.password, owner, config.get().locale, policy.value.bannedTermDigest));
      },

      'auth:signIn': async ({ username, password }) => {
        const r = await this.session.signIn(username, password);
        if (r.ok) return r;
        // R15: an expired password answers with a change token; main keeps it for me:changePassword.
        if (r.error.code === 'password_expired' && r.changeToken) this.session.holdPasswordChange(username, r.changeToken);
        return fail(r.error);
      },
      'auth:signOut': async () => ok(await this.session.signOut()),
      'auth:session': async () => ok(this.session.info()),

      'me:status': () => this.readStatus(),
      'me:methods': () => this.session.call('listMyMethods', {}),
      'me:securityQuestions': (input) => this.session.call('listSecurityQuestions', { query: { locale: input?.locale ?? config.get().locale } }),
      'me:register': async (input) => {
        const username = this.session.username;
        if (input.type !== 'authenticatorPush') {
          const body: RegisterMethodRequest = input.type === 'email' || input.type === 'mobilePhone' || input.type === 'officePhone' ? { ...input, locale: input.locale ?? config.get().locale } : input;
          const r = await this.session.call('registerMethod', { body });
          if (r.ok) void this.status.check();
          return r;
        }
        if (!username) return fail(ipcError('not_signed_in', 'Sign in first.'));
        const key = generateDeviceKey();
        const r = await this.session.call('registerMethod', { body: { type: 'authenticatorPush', deviceName: input.deviceName, publicKey: key.publicKey } });
        if (r.ok) {
          await this.cache.setPushKey(username, { methodId: r.value.method.id, privateKey: key.privateKey, publicKey: key.publicKey });
          this.approvals.start();
          void this.status.check();
        }
        return r;
      },
      'me:verifyMethod': async ({ methodId, code }) => {
        const r = await this.session.call('verifyMethod', { params: { methodId }, body: { code } });
        if (r.ok) void this.status.check();
        return r;
      },
      'me:deleteMethod': async ({ methodId }) => {
        const r = await this.session.call('deleteMethod', { params: { methodId } });
        if (!r.ok) return r;
        const key = await this.pushKey();
        if (key?.methodId === methodId && this.session.username) await this.cache.setPushKey(this.session.username, null);
        void this.status.check();
        return ok(null);
      },
      'me:confirmRegistration': async () => {
        const r = await this.session.call('confirmRegistration', {});
        if (!r.ok) return r;
        if (this.session.username) await this.cache.setStatus(this.session.username, r.value);
        void this.status.check();
        return ok({ status: r.value, stale: false, checkedAt: r.value.checkedAt });
      },
      'stepUp:status': () => this.stepUp.status(),
      'stepUp:start': () => this.stepUp.start(),
      'stepUp:challenge': ({ methodId, channel }) => this.stepUp.challenge(methodId, channel),
      'stepUp:verify': ({ code }) => (code ? this.stepUp.verify(code) : this.stepUp.complete()),
      'stepUp:pass': ({ pass }) => this.stepUp.withPass(pass),
      'me:changePassword': async ({ currentPassword, newPassword }) => {
        const username = this.session.username;
        const token = this.session.changePasswordToken();
        if (!username || !token) return fail(ipcError('not_signed_in', 'Sign in first.'));
        const r = this.session.info().signedIn
          ? await this.session.call('changePassword', { body: { currentPassword, newPassword } })
          : await this.api.call('changePassword', { body: { currentPassword, newPassword }, token });
        if (!r.ok) return r;
        this.session.clearPendingChange();
        // The change revoked every session of this user: sign in again with the new password.
        const again = await this.session.signIn(username, newPassword);
        if (again.ok) void this.status.check();
        return ok({ changedAt: r.value.changedAt, signedIn: again.ok });
      },

      'approvals:list': async () => {
        const r = await this.session.call('listApprovals', {});
        if (!r.ok) return r;
        const key = await this.pushKey();
        return ok({ approvals: r.value.approvals, pushMethodId: key?.methodId ?? null });
      },
      'approvals:decide': async ({ approvalId, approve, number }) => {
        const key = await this.pushKey();
        if (!key?.methodId) return fail(ipcError('forbidden', 'This device is not registered for push approvals.'));
        const signature = signApproval(key.privateKey, approvalId, approve, number);
        return this.session.call('decideApproval', { params: { approvalId }, body: { approve, number, methodId: key.methodId, signature } });
      },
    };
    return this.guarded(table);
  }

  /** Kiosk mode refuses channels outside the reset flow; every call counts as activity. */
  private guarded(table: IpcHandlers): IpcHandlers {
    const out = {} as Record<IpcChannel, (input: unknown) => Promise<IpcResult<unknown>>>;
    for (const channel of Object.keys(table) as IpcChannel[]) {
      const handler = table[channel] as (input: unknown) => Promise<IpcResult<unknown>>;
      out[channel] = async (input) => {
        if (this.deps.config.get().kioskMode && !IPC_CHANNELS[channel].kiosk) {
          return fail(ipcError('kiosk_mode', 'Not available on this kiosk: only password reset is.'));
        }
        this.activity();
        const result = await handler(input);
        this.logonOutcome.observe(channel, result);
        return result;
      };
    }
    return out as IpcHandlers;
  }
}
