/**
 * The HTTP API (v1) as one table: the server registers and validates its routes from it,
 * the OpenAPI document is generated from it, and the app's API client is typed by it.
 * Paths are relative to `/api/v1` and use `{param}` placeholders.
 */
import { z } from 'zod';
import * as admin from './admin.js';
import * as apiTokens from './api-tokens.js';
import type { ApiTokenScope } from './api-tokens.js';
import * as audit from './audit.js';
import * as auth from './auth.js';
import type { ErrorCode } from './errors.js';
import * as me from './me.js';
import { PolicyDocument, PublicPolicy } from './policy.js';
import * as reset from './reset.js';
import * as trust from './trust.js';

/** Who may call: nobody special, a reset session, a signed-in user, a change token, an admin. */
export type RouteAuth = 'none' | 'resetSession' | 'user' | 'userOrChangeToken' | 'admin';

interface RouteDefBase {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodType;
  /**
   * Problem codes this route's own logic can answer, beyond those every route may answer
   * (see `routeProblems`): the OpenAPI document lists them and the clients are typed by them.
   */
  problems: readonly ErrorCode[];
  /** Success status and body schema (`null` for an empty body). */
  status: number;
  response: z.ZodType | null;
}

/**
 * R38: every admin route names the API token scope that reaches it; `null`: a signed-in
 * administrator only (no token of any scope, not the bootstrap token).
 */
export type RouteDef = (RouteDefBase & { auth: Exclude<RouteAuth, 'admin'> }) | (RouteDefBase & { auth: 'admin'; scope: ApiTokenScope | null });

const Empty = null;
const Ok = z.object({ ok: z.literal(true) });

export const API_ROUTES = {
  getPolicy: { method: 'GET', path: '/policy', auth: 'none', summary: 'Policy a client needs before sign-in', problems: [], status: 200, response: PublicPolicy },

  createResetSession: { method: 'POST', path: '/reset/sessions', auth: 'none', summary: 'Start a reset (identify)', body: reset.CreateResetSessionRequest, problems: ['locked_out', 'directory_unavailable', 'rate_limited', 'proof_of_work_required'], status: 201, response: reset.CreateResetSessionResponse },
  getResetSession: { method: 'GET', path: '/reset/session', auth: 'resetSession', summary: 'Reset session state', problems: [], status: 200, response: reset.ResetSessionView },
  createChallenge: { method: 'POST', path: '/reset/session/challenges', auth: 'resetSession', summary: 'Send a code, start a push, or draw questions', body: reset.CreateChallengeRequest, problems: ['not_found', 'conflict', 'locked_out', 'directory_unavailable', 'delivery_failed', 'rate_limited'], status: 201, response: reset.Challenge },
  verifyChallenge: { method: 'POST', path: '/reset/session/challenges/{challengeId}/verify', auth: 'resetSession', summary: 'Verify a code or answers', body: reset.VerifyChallengeRequest, problems: ['not_found', 'challenge_expired', 'invalid_code', 'invalid_answers', 'locked_out', 'directory_unavailable', 'rate_limited'], status: 200, response: reset.VerifyChallengeResponse },
  setResetPassword: { method: 'POST', path: '/reset/session/password', auth: 'resetSession', summary: 'Set the new password and unlock', body: reset.SetResetPasswordRequest, problems: ['forbidden', 'gates_incomplete', 'password_policy', 'conflict', 'directory_unavailable'], status: 200, response: reset.SetResetPasswordResponse },
  unlockAccount: { method: 'POST', path: '/reset/session/unlock', auth: 'resetSession', summary: 'Unlock the account without a new password (policy unlockOnly)', problems: ['forbidden', 'gates_incomplete', 'conflict', 'directory_unavailable'], status: 200, response: reset.UnlockAccountResponse },
  cancelResetSession: { method: 'DELETE', path: '/reset/session', auth: 'resetSession', summary: 'Cancel the reset', problems: [], status: 204, response: Empty },

  signIn: { method: 'POST', path: '/auth/sign-in', auth: 'none', summary: 'Sign in', body: auth.SignInRequest, problems: ['unauthorized', 'forbidden', 'locked_out', 'password_expired', 'directory_unavailable', 'rate_limited', 'proof_of_work_required'], status: 200, response: auth.TokenResponse },
  refresh: { method: 'POST', path: '/auth/refresh', auth: 'none', summary: 'Rotate the refresh token', body: auth.RefreshRequest, problems: ['unauthorized', 'password_expired', 'directory_unavailable'], status: 200, response: auth.TokenResponse },
  createAdminSession: { method: 'POST', path: '/auth/admin/sessions', auth: 'none', summary: 'Administrator sign-in: password, then two methods (R10)', body: auth.AdminSignInRequest, problems: ['unauthorized', 'forbidden', 'locked_out', 'directory_unavailable', 'rate_limited', 'proof_of_work_required'], status: 201, response: reset.CreateResetSessionResponse },
  issueAdminToken: { method: 'POST', path: '/auth/admin/token', auth: 'resetSession', summary: 'Exchange a verified administrator sign-in for an admin token', problems: ['gates_incomplete', 'directory_unavailable'], status: 200, response: auth.AdminTokenResponse },
  signOut: { method: 'POST', path: '/auth/sign-out', auth: 'user', summary: 'Sign out (revokes the refresh token)', body: auth.SignOutRequest, problems: [], status: 204, response: Empty },

  getMyStatus: { method: 'GET', path: '/me/status', auth: 'user', summary: 'Password expiry and registration state', problems: ['directory_unavailable'], status: 200, response: me.MeStatus },
  listMyMethods: { method: 'GET', path: '/me/methods', auth: 'user', summary: 'Registered methods', problems: ['directory_unavailable'], status: 200, response: z.object({ methods: z.array(me.RegisteredMethod) }) },
  listSecurityQuestions: { method: 'GET', path: '/me/security-questions', auth: 'user', summary: 'Questions the user may pick from', query: z.strictObject({ locale: z.enum(['ja', 'en']).optional() }), problems: [], status: 200, response: z.object({ questions: z.array(me.SecurityQuestion), requiredToRegister: z.number().int() }) },
  registerMethod: { method: 'POST', path: '/me/methods', auth: 'user', summary: 'Register a method', body: me.RegisterMethodRequest, problems: ['forbidden', 'conflict', 'locked_out', 'step_up_required', 'directory_unavailable', 'delivery_failed'], status: 201, response: me.RegisterMethodResponse },
  verifyMethod: { method: 'POST', path: '/me/methods/{methodId}/verify', auth: 'user', summary: 'Prove a new method', body: me.VerifyMethodRequest, problems: ['not_found', 'conflict', 'challenge_expired', 'invalid_code', 'locked_out', 'directory_unavailable'], status: 200, response: z.object({ method: me.RegisteredMethod }) },
  deleteMethod: { method: 'DELETE', path: '/me/methods/{methodId}', auth: 'user', summary: 'Remove a method', problems: ['not_found', 'step_up_required', 'directory_unavailable'], status: 204, response: Empty },
  getStepUp: { method: 'GET', path: '/me/step-up', auth: 'user', summary: 'Whether this sign-in may change methods now (R26, R27)', problems: ['directory_unavailable'], status: 200, response: trust.StepUpStatus },
  startStepUp: { method: 'POST', path: '/me/step-up', auth: 'user', summary: 'Start a step-up: prove one held method through the reset challenge routes (R26)', problems: ['step_up_required', 'locked_out', 'directory_unavailable'], status: 201, response: reset.CreateResetSessionResponse },
  completeStepUp: { method: 'POST', path: '/me/step-up/complete', auth: 'user', summary: 'Finish a step-up whose method was proven (R26)', body: trust.CompleteStepUpRequest, problems: ['session_expired', 'gates_incomplete', 'directory_unavailable'], status: 200, response: trust.StepUpStatus },
  stepUpWithPass: { method: 'POST', path: '/me/step-up/pass', auth: 'user', summary: 'Step up with a Temporary Access Pass (R31)', body: trust.StepUpWithPassRequest, problems: ['step_up_required', 'invalid_code', 'locked_out', 'directory_unavailable'], status: 200, response: trust.StepUpStatus },
  confirmRegistration: { method: 'POST', path: '/me/registration/confirm', auth: 'user', summary: 'Reconfirm methods are current (R6)', problems: ['step_up_required', 'directory_unavailable'], status: 200, response: me.MeStatus },
  changePassword: { method: 'POST', path: '/me/password', auth: 'userOrChangeToken', summary: 'Change password (current + new)', body: me.ChangePasswordRequest, problems: ['forbidden', 'password_policy', 'locked_out', 'directory_unavailable'], status: 200, response: me.ChangePasswordResponse },
  listApprovals: { method: 'GET', path: '/me/approvals', auth: 'user', summary: 'Pending push approvals', problems: [], status: 200, response: z.object({ approvals: z.array(me.Approval) }) },
  decideApproval: { method: 'POST', path: '/me/approvals/{approvalId}', auth: 'user', summary: 'Approve or deny a push', body: me.DecideApprovalRequest, problems: ['not_found', 'forbidden', 'conflict', 'challenge_expired', 'locked_out'], status: 200, response: me.Approval },

  getAdminPolicy: { method: 'GET', path: '/admin/policy', auth: 'admin', scope: 'policy:manage', summary: 'The policy document', problems: [], status: 200, response: PolicyDocument },
  putAdminPolicy: { method: 'PUT', path: '/admin/policy', auth: 'admin', scope: 'policy:manage', summary: 'Replace the policy document', body: PolicyDocument, problems: [], status: 200, response: PolicyDocument },
  createUser: { method: 'POST', path: '/admin/users', auth: 'admin', scope: 'users:manage', summary: 'Create a built-in directory user', body: admin.CreateUserRequest, problems: ['conflict', 'password_policy', 'directory_unavailable'], status: 201, response: admin.AdminUser },
  listUsers: { method: 'GET', path: '/admin/users', auth: 'admin', scope: 'users:manage', summary: 'List users', query: z.strictObject({ cursor: z.string().max(256).optional(), limit: z.coerce.number().int().min(1).max(500).default(100), q: z.string().max(256).optional() }), problems: ['conflict', 'directory_unavailable'], status: 200, response: admin.AdminUserList },
  getUser: { method: 'GET', path: '/admin/users/{username}', auth: 'admin', scope: 'users:manage', summary: 'One user', problems: ['not_found', 'directory_unavailable'], status: 200, response: admin.AdminUser },
  patchUser: { method: 'PATCH', path: '/admin/users/{username}', auth: 'admin', scope: 'users:manage', summary: 'Change a user', body: admin.PatchUserRequest, problems: ['not_found', 'conflict', 'password_policy', 'directory_unavailable'], status: 200, response: admin.AdminUser },
  deleteUser: { method: 'DELETE', path: '/admin/users/{username}', auth: 'admin', scope: 'users:manage', summary: 'Delete a user', problems: ['not_found', 'conflict', 'directory_unavailable'], status: 204, response: Empty },
  setUserMethods: { method: 'PUT', path: '/admin/users/{username}/methods', auth: 'admin', scope: 'users:manage', summary: 'Set phone/email on the user\'s behalf (R4)', body: admin.SetUserMethodsRequest, problems: ['not_found', 'directory_unavailable'], status: 200, response: admin.AdminUser },
  issueAccessPass: { method: 'POST', path: '/admin/users/{username}/access-pass', auth: 'admin', scope: 'users:manage', summary: 'Issue a Temporary Access Pass, shown once (R31)', body: trust.IssueAccessPassRequest, problems: ['not_found', 'conflict', 'directory_unavailable'], status: 201, response: trust.IssuedAccessPass },
  listGroups: { method: 'GET', path: '/admin/groups', auth: 'admin', scope: 'users:manage', summary: 'Groups', problems: ['conflict', 'directory_unavailable'], status: 200, response: admin.GroupList },
  createGroup: { method: 'POST', path: '/admin/groups', auth: 'admin', scope: 'users:manage', summary: 'Create a group', body: admin.CreateGroupRequest, problems: ['not_found', 'conflict', 'directory_unavailable'], status: 201, response: admin.Group },
  deleteGroup: { method: 'DELETE', path: '/admin/groups/{group}', auth: 'admin', scope: 'users:manage', summary: 'Delete a group', problems: ['not_found', 'conflict', 'directory_unavailable'], status: 204, response: Empty },
  addGroupMember: { method: 'PUT', path: '/admin/groups/{group}/members/{username}', auth: 'admin', scope: 'users:manage', summary: 'Add a member', problems: ['not_found', 'conflict', 'directory_unavailable'], status: 200, response: admin.Group },
  removeGroupMember: { method: 'DELETE', path: '/admin/groups/{group}/members/{username}', auth: 'admin', scope: 'users:manage', summary: 'Remove a member', problems: ['not_found', 'conflict', 'directory_unavailable'], status: 200, response: admin.Group },
  activityReport: { method: 'GET', path: '/admin/reports/activity', auth: 'admin', scope: 'reports:read', summary: 'Resets, unlocks, changes, verifications, lockouts', query: audit.ReportQuery, problems: [], status: 200, response: audit.ReportPage },
  registrationReport: { method: 'GET', path: '/admin/reports/registration', auth: 'admin', scope: 'reports:read', summary: 'Registrations, reconfirmations, removals', query: audit.ReportQuery, problems: [], status: 200, response: audit.ReportPage },
  adminAudit: { method: 'GET', path: '/admin/audit', auth: 'admin', scope: 'reports:read', summary: 'Administrator actions', query: audit.ReportQuery, problems: [], status: 200, response: audit.ReportPage },
  reportSummary: { method: 'GET', path: '/admin/reports/summary', auth: 'admin', scope: 'reports:read', summary: 'Dashboard figures: resets per day, success rate, methods, lockouts, coverage', query: audit.ReportSummaryQuery, problems: ['directory_unavailable'], status: 200, response: audit.ReportSummary },

  listApiTokens: { method: 'GET', path: '/admin/api-tokens', auth: 'admin', scope: null, summary: 'API tokens: name, scopes, dates, last use; never the secret (R38)', problems: [], status: 200, response: apiTokens.ApiTokenList },
  createApiToken: { method: 'POST', path: '/admin/api-tokens', auth: 'admin', scope: null, summary: 'Create an API token for automation, shown once (R38)', body: apiTokens.CreateApiTokenRequest, problems: ['conflict'], status: 201, response: apiTokens.CreatedApiToken },
  revokeApiToken: { method: 'DELETE', path: '/admin/api-tokens/{tokenId}', auth: 'admin', scope: null, summary: 'Revoke an API token (R38)', problems: ['not_found'], status: 204, response: Empty },
} as const satisfies Record<string, RouteDef>;

export type ApiRoutes = typeof API_ROUTES;
export type RouteName = keyof ApiRoutes;
export { Ok };

type Infer<T> = T extends z.ZodType ? z.infer<T> : undefined;
type InferIn<T> = T extends z.ZodType ? z.input<T> : undefined;
/** The request body a route takes, as a caller writes it. */
export type RouteBody<N extends RouteName> = ApiRoutes[N] extends { body: infer B } ? InferIn<B> : undefined;
export type RouteQuery<N extends RouteName> = ApiRoutes[N] extends { query: infer Q } ? InferIn<Q> : undefined;
/** The body a route answers with. */
export type RouteResponse<N extends RouteName> = Infer<ApiRoutes[N]['response']>;
/** `{param}` names in a route's path. */
type ParamsOf<P extends string> = P extends `${string}{${infer K}}${infer Rest}` ? K | ParamsOf<Rest> : never;
export type RouteParams<N extends RouteName> = { [K in ParamsOf<ApiRoutes[N]['path']>]: string };

/** What the caller's credentials can fail with, before the route's own logic runs. */
const AUTH_PROBLEMS = {
  none: [],
  resetSession: ['session_expired'],
  user: ['unauthorized'],
  userOrChangeToken: ['unauthorized'],
  // No token: unauthorized; a token that is not an administrator's: forbidden.
  admin: ['unauthorized', 'forbidden'],
} as const satisfies Record<RouteAuth, readonly ErrorCode[]>;

/** What any route may answer when the server itself is in trouble: the store is down, or a fault. */
const SERVER_PROBLEMS = ['store_unavailable', 'internal'] as const;

/**
 * Every problem code a route can answer: `invalid_request` (any route: a bad URL, body or
 * query), the server's own troubles, what its auth implies, and the route's own `problems`.
 */
export type RouteProblemCode<N extends RouteName> =
  | 'invalid_request'
  | (typeof SERVER_PROBLEMS)[number]
  | (typeof AUTH_PROBLEMS)[ApiRoutes[N]['auth']][number]
  | ApiRoutes[N]['problems'][number];

export function routeProblems<N extends RouteName>(name: N): Array<RouteProblemCode<N>> {
  const def: RouteDef = API_ROUTES[name];
  return [...new Set<ErrorCode>(['invalid_request', ...SERVER_PROBLEMS, ...AUTH_PROBLEMS[def.auth], ...def.problems])] as Array<RouteProblemCode<N>>;
}

export const API_BASE = '/api/v1';

/** Fills `{param}` placeholders, URL-encoding each value. */
export function routePath<N extends RouteName>(name: N, params: RouteParams<N>): string {
  return API_BASE + API_ROUTES[name].path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent((params as Record<string, string>)[k] ?? ''));
}
