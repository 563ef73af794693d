/**
 * The one IPC surface between the renderer and main: channel → input schema → result
 * schema, plus the events main pushes to the renderer. Main implements it as a plain handler
 * table (src-main/node/handlers), Electron's `ipcMain.handle` adapter and the Playwright
 * test host both serve that table, and the preload exposes it as `window.companion`.
 *
 * Every call answers an `IpcResult` instead of throwing: Electron flattens thrown errors to
 * a message string, and the renderer needs the code, retry time, attempts left and rule
 * violations to show a useful screen.
 */
import { z } from 'zod';
import { Locale, MethodType, ResetMethodType, Username } from '../api/common.js';
import { ERROR_CODES, Violation } from '../api/errors.js';
import {
  Approval,
  ChangePasswordRequest,
  DecideApprovalRequest,
  MeStatus,
  RegisterAuthenticatorCode,
  RegisterAuthenticatorPush,
  RegisterEmail,
  RegisteredMethod,
  RegisterMethodResponse,
  RegisterMobilePhone,
  RegisterOfficePhone,
  RegisterSecurityQuestions,
  SecurityQuestion,
  VerifyMethodRequest,
} from '../api/me.js';
import { PublicPolicy } from '../api/policy.js';
import {
  Challenge,
  CreateChallengeRequest,
  CreateResetSessionRequest,
  CreateResetSessionResponse,
  ResetSessionView,
  SetResetPasswordRequest,
  SetResetPasswordResponse,
  UnlockAccountResponse,
  VerifyChallengeResponse,
  VerifyWithAnswers,
  VerifyWithCode,
} from '../api/reset.js';
import { SignInRequest, UserInfo } from '../api/auth.js';
import { AccessPassInput, StepUpStatus } from '../api/trust.js';
import type { RouteName } from '../api/routes.js';
import { EffectiveConfig, UserSettings } from './config.js';

// ---------------------------------------------------------------------------------------
// Errors

/** Codes main adds to the server's problem codes. */
export const CLIENT_ERROR_CODES = [
  /** The server could not be reached (DNS, refused, reset). */
  'network',
  /** The server did not answer in time. */
  'timeout',
  /** The server URL is not https:// (http:// is allowed only to loopback). */
  'insecure_server_url',
  /** No server URL is configured. */
  'not_configured',
  /** The server answered something that is not the contract. */
  'bad_response',
  /** A `me:*` / `approvals:*` call without a signed-in user. */
  'not_signed_in',
  /** A `reset:*` call without a reset in progress (never started, cancelled, idle-wiped). */
  'no_reset_session',
  /** The channel is not available in kiosk mode. */
  'kiosk_mode',
  /** The setting is managed by IT and read-only. */
  'managed_setting',
  /** The OS keychain is not available: nothing can be remembered. */
  'keychain_unavailable',
  /** The renderer sent input that does not match the channel's schema. */
  'invalid_input',
  /** Unknown channel. */
  'unknown_channel',
  /** A bug in main; the detail is generic (never a stack). */
  'internal',
] as const;
export const IPC_ERROR_CODES = [...ERROR_CODES, ...CLIENT_ERROR_CODES] as const;
export type IpcErrorCode = (typeof IPC_ERROR_CODES)[number];

export const IpcError = z.object({
  code: z.enum(IPC_ERROR_CODES),
  /** Human-readable, safe to show. */
  detail: z.string(),
  /** HTTP status when the server answered. */
  status: z.number().int().optional(),
  retryAfterSeconds: z.number().int().optional(),
  attemptsRemaining: z.number().int().optional(),
  violations: z.array(Violation).optional(),
  /** delivery_failed: the method whose code could not be sent (offer another). */
  method: ResetMethodType.optional(),
  /** invalid_request / invalid_input: which field. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type IpcError = z.infer<typeof IpcError>;

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };

// ---------------------------------------------------------------------------------------
// Results that are not API bodies

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  /** Random per installation; sent as `X-SSPR-Client` for audit (R17a). */
  instanceId: z.string(),
  platform: z.string(),
  kioskMode: z.boolean(),
  /** Started by the OS sign-in screen (`--logon`): reset only, and a way back to sign-in. */
  logonMode: z.boolean(),
  /** false: no OS keychain, so the app remembers nothing between runs. */
  keychainAvailable: z.boolean(),
  /** Started with `--diagnose`: the first screen is the diagnosis. */
  openDiagnosis: z.boolean(),
});
export type AppInfo = z.infer<typeof AppInfo>;

/** After a reset: what this device needs next (issue 13 item 3), detected, not generic. */
export const AFTER_RESET_STEPS = ['windows-cached-credentials', 'macos-login-keychain', 'linux-cached-credentials', 'other-devices'] as const;
export const AfterResetGuidance = z.object({
  /** The reset was for the account signed in to this computer (or done at its sign-in screen). */
  thisComputer: z.boolean(),
  steps: z.array(z.enum(AFTER_RESET_STEPS)),
});
export type AfterResetGuidance = z.infer<typeof AfterResetGuidance>;

/**
 * "Why can't I reset here?" (issue 13): each check of this computer's way to the password
 * service, with a verdict and, in the app's language, what it means and what to do.
 * `skipped`: not checked, because an earlier check failed or it does not apply here.
 */
export const DIAGNOSIS_CHECKS = ['server-url', 'mode', 'managed-config', 'proxy', 'dns', 'tcp', 'tls', 'api-version', 'clock', 'ready', 'keychain', 'account'] as const;
export type DiagnosisCheckId = (typeof DIAGNOSIS_CHECKS)[number];
export const DIAGNOSIS_VERDICTS = ['ok', 'warn', 'fail', 'skipped'] as const;
export type DiagnosisVerdict = (typeof DIAGNOSIS_VERDICTS)[number];
export const DiagnosisCheck = z.object({
  id: z.enum(DIAGNOSIS_CHECKS),
  verdict: z.enum(DIAGNOSIS_VERDICTS),
  title: z.string(),
  explanation: z.string(),
  /** What to do; null when nothing is needed. */
  action: z.string().nullable(),
  /** Plain facts for the helpdesk (host, port, error class, skew); never a token, password or code. */
  facts: z.record(z.string(), z.string()),
});
export type DiagnosisCheck = z.infer<typeof DiagnosisCheck>;
export const Diagnosis = z.object({
  checkedAt: z.string(),
  /** The worst verdict of all checks. */
  overall: z.enum(['ok', 'warn', 'fail']),
  checks: z.array(DiagnosisCheck),
  /** The plain-text report "Copy report" puts on the clipboard for the helpdesk. */
  report: z.string(),
});
export type Diagnosis = z.infer<typeof Diagnosis>;

export const SessionInfo = z.object({
  signedIn: z.boolean(),
  user: UserInfo.nullable(),
  /** Signed in from the keychain's refresh token while the server was unreachable. */
  offline: z.boolean(),
  /**
   * The server said the password has expired (R15): sign-in is held until `me:changePassword`
   * succeeds with the expired password as `currentPassword`.
   */
  passwordChangeRequired: z.boolean(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

export const StatusView = z.object({
  status: MeStatus,
  /** true: served from the keychain cache because the server could not be reached. */
  stale: z.boolean(),
  checkedAt: z.string(),
});
export type StatusView = z.infer<typeof StatusView>;

export const PasswordCheckResult = z.object({
  /** The product's rules (shared/rules/password.ts) plus the common-password list. */
  violations: z.array(Violation),
  /** zxcvbn 0–4, for the meter. */
  strength: z.number().int().min(0).max(4),
  acceptable: z.boolean(),
});
export type PasswordCheckResult = z.infer<typeof PasswordCheckResult>;

export const ChangePasswordResult = z.object({
  changedAt: z.string(),
  /** Main signed in again with the new password, so the app stays signed in. */
  signedIn: z.boolean(),
});

export const ApprovalList = z.object({
  approvals: z.array(Approval),
  /** This device's push method, or null when this device is not registered for push. */
  pushMethodId: z.string().nullable(),
});

const Null = z.null();
/** Channels without input accept nothing (or an empty object). */
const NoInput = z.union([z.undefined(), z.null(), z.strictObject({})]);

// ---------------------------------------------------------------------------------------
// Channels

const Id = z.string().min(1).max(64);

/** The renderer's version of `POST /me/methods`: main generates and keeps the push key. */
export const RegisterMethodInput = z.discriminatedUnion('type', [
  RegisterEmail,
  RegisterMobilePhone,
  RegisterOfficePhone,
  RegisterAuthenticatorCode,
  RegisterAuthenticatorPush.omit({ publicKey: true }),
  RegisterSecurityQuestions,
]);
export type RegisterMethodInput = z.infer<typeof RegisterMethodInput>;

/** `POST …/challenges/{challengeId}/verify`; `challengeId` defaults to the last challenge main started. */
export const ResetVerifyInput = z.union([VerifyWithCode.extend({ challengeId: Id.optional() }), VerifyWithAnswers.extend({ challengeId: Id.optional() })]);

interface ChannelDef {
  input: z.ZodType;
  result: z.ZodType;
  /** Usable in kiosk mode (reset flow only). */
  kiosk: boolean;
  /** The API routes the handler calls (none: answered in main). A test holds main to it. */
  calls: readonly RouteName[];
  summary: string;
}

export const IPC_CHANNELS = {
  'app:getInfo': { input: NoInput, result: AppInfo, kiosk: true, calls: [], summary: 'Name, version, instance id, kiosk mode, keychain availability' },
  /** The renderer reports user input (throttled) so main's idle timer sees activity. */
  'app:activity': { input: NoInput, result: Null, kiosk: true, calls: [], summary: 'User activity, for the idle timer' },
  /** Opens the branding's "contact your administrator" address (mailto:/https:) outside the app. */
  'app:openContactAdmin': { input: NoInput, result: Null, kiosk: false, calls: ['getPolicy'], summary: 'Open the contact-admin link in the OS' },

  'device:afterResetGuidance': { input: z.strictObject({ username: Username }), result: AfterResetGuidance, kiosk: true, calls: [], summary: 'What this device needs after a reset of that account' },
  /** Logon mode: back to the OS sign-in screen; main exits with the code for what happened. */
  'logon:finish': { input: NoInput, result: Null, kiosk: true, calls: [], summary: 'Logon mode: exit to the sign-in screen with the outcome code' },

  /** Also reads `/readyz` and `/api/v1/openapi.json`, which are outside the route table. */
  'diagnosis:run': { input: NoInput, result: Diagnosis, kiosk: true, calls: ['getMyStatus'], summary: 'Why can\'t I reset here? Checks this computer\'s way to the password service' },
  /** Main copies the report it built (the renderer has no clipboard permission); not at the sign-in screen. */
  'diagnosis:copyReport': { input: NoInput, result: Null, kiosk: true, calls: [], summary: 'Put the last diagnosis report on the OS clipboard' },

  'config:get': { input: NoInput, result: EffectiveConfig, kiosk: true, calls: [], summary: 'Effective settings; managed keys are read-only' },
  /** Managed keys answer `managed_setting`; in kiosk mode only `locale` may change (not persisted). */
  'config:set': { input: UserSettings, result: EffectiveConfig, kiosk: true, calls: ['cancelResetSession'], summary: 'Change user settings (locale, server URL, auto-start)' },

  'policy:get': { input: NoInput, result: PublicPolicy, kiosk: true, calls: ['getPolicy'], summary: 'The public policy (GET /policy)' },

  'reset:start': { input: CreateResetSessionRequest, result: ResetSessionView, kiosk: true, calls: ['createResetSession', 'getResetSession'], summary: 'Start a reset; main keeps the session token' },
  'reset:state': { input: NoInput, result: ResetSessionView, kiosk: true, calls: ['getResetSession'], summary: 'Reset state (poll for push approval)' },
  'reset:challenge': {
    // Main adds the locale: the app's language.
    input: CreateChallengeRequest.omit({ locale: true }),
    result: Challenge,
    kiosk: true, calls: ['createChallenge'],
    summary: 'Send a code, start a push, or draw the questions',
  },
  'reset:verify': { input: ResetVerifyInput, result: VerifyChallengeResponse, kiosk: true, calls: ['verifyChallenge'], summary: 'Verify a code or answers' },
  /** On success main forgets the reset session. */
  'reset:setPassword': {
    input: SetResetPasswordRequest,
    result: SetResetPasswordResponse,
    kiosk: true, calls: ['setResetPassword'],
    summary: 'Set the new password (and unlock)',
  },
  /** R37: offered only when the session says `accountLocked: true`; on success main forgets the reset session. */
  'reset:unlock': { input: NoInput, result: UnlockAccountResponse, kiosk: true, calls: ['unlockAccount'], summary: 'Unlock the account, keeping the password' },
  'reset:cancel': { input: NoInput, result: Null, kiosk: true, calls: ['cancelResetSession'], summary: 'Cancel the reset; main forgets the session token' },

  /** `reset`: checked against the reset's user name; `change`: against the signed-in user. */
  'password:check': {
    input: z.strictObject({ password: z.string().max(1024), purpose: z.enum(['reset', 'change']) }),
    result: PasswordCheckResult,
    kiosk: true, calls: ['getPolicy'],
    summary: 'Product password rules + strength (zxcvbn runs in main)',
  },

  'auth:signIn': { input: SignInRequest.omit({ client: true }), result: SessionInfo, kiosk: false, calls: ['signIn'], summary: 'Sign in; an expired password answers `password_expired`' },
  'auth:signOut': { input: NoInput, result: SessionInfo, kiosk: false, calls: ['signOut'], summary: 'Sign out and forget the refresh token' },
  'auth:session': { input: NoInput, result: SessionInfo, kiosk: false, calls: [], summary: 'Who is signed in (restored from the keychain at start)' },

  'me:status': { input: NoInput, result: StatusView, kiosk: false, calls: ['getMyStatus'], summary: 'GET /me/status, or the keychain cache when offline (stale)' },
  'me:methods': { input: NoInput, result: z.object({ methods: z.array(RegisteredMethod) }), kiosk: false, calls: ['listMyMethods'], summary: 'Registered methods' },
  'me:securityQuestions': { input: z.strictObject({ locale: Locale.optional() }).optional(), result: z.object({ questions: z.array(SecurityQuestion), requiredToRegister: z.number().int() }), kiosk: false, calls: ['listSecurityQuestions'], summary: 'Questions to pick from' },
  'me:register': { input: RegisterMethodInput, result: RegisterMethodResponse, kiosk: false, calls: ['registerMethod'], summary: 'Register a method (push: main creates this device key)' },
  'me:verifyMethod': { input: VerifyMethodRequest.extend({ methodId: Id }), result: z.object({ method: RegisteredMethod }), kiosk: false, calls: ['verifyMethod'], summary: 'Prove a new method' },
  'me:deleteMethod': { input: z.strictObject({ methodId: Id }), result: Null, kiosk: false, calls: ['deleteMethod'], summary: 'Remove a method' },
  'me:confirmRegistration': { input: NoInput, result: StatusView, kiosk: false, calls: ['confirmRegistration'], summary: 'Reconfirm methods are current (R6)' },
  /** R26: whether this sign-in must prove a method before changing methods. */
  'stepUp:status': { input: NoInput, result: StepUpStatus, kiosk: false, calls: ['getStepUp'], summary: 'Step-up state of this sign-in' },
  /** Main keeps the step-up session token; the methods offered are the user's own. */
  'stepUp:start': { input: NoInput, result: CreateResetSessionResponse, kiosk: false, calls: ['startStepUp'], summary: 'Start a step-up (R26)' },
  'stepUp:challenge': { input: z.strictObject({ methodId: z.string().min(1).max(64), channel: z.enum(['sms', 'voice']).optional() }), result: Challenge, kiosk: false, calls: ['createChallenge'], summary: 'Send a step-up code or start a push' },
  /** With `code`: verify it and complete; without: complete an approved push. */
  'stepUp:verify': { input: z.strictObject({ code: z.string().trim().min(1).max(16).optional() }), result: StepUpStatus, kiosk: false, calls: ['verifyChallenge', 'completeStepUp'], summary: 'Prove the step-up' },
  'stepUp:pass': { input: z.strictObject({ pass: AccessPassInput }), result: StepUpStatus, kiosk: false, calls: ['stepUpWithPass'], summary: 'Step up with a Temporary Access Pass (R31)' },
  /** On success main signs in again with the new password (also after `password_expired`). */
  'me:changePassword': { input: ChangePasswordRequest, result: ChangePasswordResult, kiosk: false, calls: ['changePassword', 'signIn'], summary: 'Change password (R15)' },

  'approvals:list': { input: NoInput, result: ApprovalList, kiosk: false, calls: ['listApprovals'], summary: 'Pending push approvals for the signed-in user' },
  /** Main signs `approvalSigningString(...)` with this device's push key. */
  'approvals:decide': {
    input: DecideApprovalRequest.omit({ methodId: true, signature: true }).extend({ approvalId: Id }),
    result: Approval,
    kiosk: false, calls: ['decideApproval'],
    summary: 'Approve (with the number shown) or deny a push',
  },
} as const satisfies Record<string, ChannelDef>;

export type IpcChannels = typeof IPC_CHANNELS;
export type IpcChannel = keyof IpcChannels;
export const IPC_CHANNEL_NAMES = Object.keys(IPC_CHANNELS) as IpcChannel[];
/** Input as the renderer writes it. */
export type IpcInput<C extends IpcChannel> = z.input<IpcChannels[C]['input']>;
/** Input after validation (defaults applied), as handlers receive it. */
export type IpcParsedInput<C extends IpcChannel> = z.output<IpcChannels[C]['input']>;
export type IpcOutput<C extends IpcChannel> = z.infer<IpcChannels[C]['result']>;

export function isIpcChannel(name: unknown): name is IpcChannel {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(IPC_CHANNELS, name);
}

// ---------------------------------------------------------------------------------------
// Events (main → renderer)

export const ExpiryWarning = z.object({
  daysUntilExpiry: z.number().int().nullable(),
  expiresAt: z.string().nullable(),
  mustChange: z.boolean(),
  /** The threshold reached (14, 7, 3, 1…), null for mustChange. */
  threshold: z.number().int().nullable(),
  /** Served from the keychain cache (server unreachable). */
  stale: z.boolean(),
});
export type ExpiryWarning = z.infer<typeof ExpiryWarning>;

export const RegistrationNudge = z.object({
  /** R5: not registered; R6: reconfirmation due. */
  kind: z.enum(['register', 'reconfirm']),
  required: z.number().int(),
  methods: z.array(MethodType),
  reconfirmDueAt: z.string().nullable(),
  stale: z.boolean(),
});
export type RegistrationNudge = z.infer<typeof RegistrationNudge>;

export const IPC_EVENTS = {
  /** R16: a threshold was reached (banner); the native notification is shown by main. */
  'expiry:warning': ExpiryWarning,
  /** R5 / R6. */
  'registration:nudge': RegistrationNudge,
  /** A push approval is waiting for this user. */
  'approval:request': z.object({ approval: Approval }),
  /** The idle timeout wiped the reset session: go back to the start screen. */
  'idle:reset': z.object({ reason: z.literal('idle') }),
  'status:changed': StatusView,
  'session:changed': SessionInfo,
  /** The server asked for a proof-of-work and this computer is solving it (a second or two). */
  'proof:solving': z.object({ active: z.boolean() }),
  /** A notification was clicked (or the tray used): show this screen. */
  'app:navigate': z.object({ screen: z.enum(['changePassword', 'registration', 'approvals', 'reset', 'home', 'diagnosis']) }),
} as const satisfies Record<string, z.ZodType>;

export type IpcEvents = typeof IPC_EVENTS;
export type IpcEvent = keyof IpcEvents;
export type IpcEventPayload<E extends IpcEvent> = z.infer<IpcEvents[E]>;

/** Where main sends events: the Electron window, or the test host's page. */
export interface IpcEventSink {
  emit<E extends IpcEvent>(event: E, payload: IpcEventPayload<E>): void;
}

// ---------------------------------------------------------------------------------------
// The bridge (`window.companion`)

/** Input argument: optional for channels that take none. */
export type IpcInputArgs<C extends IpcChannel> = undefined extends IpcInput<C> ? [input?: IpcInput<C>] : [input: IpcInput<C>];

/** What the preload (or the test host) exposes as `window.companion`. */
export interface CompanionBridge {
  invoke<C extends IpcChannel>(channel: C, ...input: IpcInputArgs<C>): Promise<IpcResult<IpcOutput<C>>>;
  /** Returns an unsubscribe function. */
  on<E extends IpcEvent>(event: E, listener: (payload: IpcEventPayload<E>) => void): () => void;
}

/** The Electron channel names the preload uses (one invoke channel, one event channel). */
export const ELECTRON_INVOKE_CHANNEL = 'companion:invoke';
export const ELECTRON_EVENT_CHANNEL = 'companion:event';
