import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../../auth/authenticator.js';
import { API_BASE } from '../../../shared/api/routes.js';
import type { Approval } from '../../../shared/api/me.js';
import type { Approvals } from '../../flows/approvals.js';
import type { MethodRegistration } from '../../flows/method-registration.js';
import type { Log } from '../../log.js';
import type { ApprovalHub } from '../../methods/push.js';
import { apiRoutes, bearerToken } from '../api-router.js';
import type { Caller, RoutePlugin } from '../context.js';
import { ProblemError } from '../../errors.js';

function signedIn(caller: Caller): Extract<Caller, { kind: 'user' }> {
  if (caller.kind !== 'user') throw new ProblemError('unauthorized', 'Sign in first.');
  return caller;
}

/** The signed-in user's methods (R3–R8) and push approvals. */
export function methodRoutes({ methodRegistration: registration, approvals, approvalHub, log }: { methodRegistration: MethodRegistration; approvals: Approvals; approvalHub: ApprovalHub; log: Log }): RoutePlugin {
  const ctx = (req: { caller: Caller; client: string; locale: 'ja' | 'en' }) => {
    const caller = signedIn(req.caller);
    return { subjectId: caller.subjectId, signInId: caller.signInId, client: req.client, locale: req.locale };
  };
  const handlers = apiRoutes({
    async listMyMethods(req) {
      return { methods: await registration.list(signedIn(req.caller).subjectId) };
    },
    async listSecurityQuestions(req) {
      signedIn(req.caller);
      return registration.questions(req.query.locale ?? req.locale);
    },
    async registerMethod(req) {
      const body = req.body;
      const locale = 'locale' in body && body.locale ? body.locale : req.locale;
      return registration.register(body, { ...ctx(req), locale });
    },
    async verifyMethod(req) {
      return registration.verify(req.params.methodId, req.body.code, ctx(req));
    },
    async deleteMethod(req) {
      await registration.remove(req.params.methodId, ctx(req));
    },
    async confirmRegistration(req) {
      return registration.confirm(ctx(req));
    },
    async listApprovals(req) {
      return { approvals: await approvals.pending(signedIn(req.caller).subjectId) };
    },
    async decideApproval(req) {
      return approvals.decide(signedIn(req.caller).subjectId, req.params.approvalId, req.body, { client: req.client });
    },
  });
  return async (app, context) => {
    await handlers(app, context);
    approvalStream(app, { approvals, hub: approvalHub, auth: context.authenticator, log });
  };
}

/** How often a stream re-reads the store (approvals started on other instances) and re-checks its token. */
const POLL_MS = 3000;

/**
 * `GET /api/v1/me/approvals/stream`: server-sent events for the user's signed-in companion.
 * Each waiting approval is sent once as `event: approval`; comments keep the line open.
 */
function approvalStream(app: FastifyInstance, { approvals, hub, auth, log }: { approvals: Approvals; hub: ApprovalHub; auth: Authenticator; log: Log }): void {
  const open = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
  });
  app.get(`${API_BASE}/me/approvals/stream`, async (req, reply) => {
    const token = bearerToken(req);
    const caller = token ? await auth.user(token, false) : null;
    if (!token || !caller) throw new ProblemError('unauthorized', 'The access token is not valid or has expired.');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no', 'x-content-type-options': 'nosniff' });
    res.write(': approvals\n\n');
    const sent = new Set<string>();
    const send = (a: Approval) => {
      if (sent.has(a.id) || a.status !== 'waiting') return;
      sent.add(a.id);
      res.write(`event: approval\nid: ${a.id}\ndata: ${JSON.stringify(a)}\n\n`);
    };
    const unsubscribe = hub.subscribe(caller.subjectId, send);
    const refresh = async () => {
      // A revoked or expired token ends the stream.
      if (!(await auth.user(token, false))) return end();
      for (const a of await approvals.pending(caller.subjectId)) send(a);
      res.write(': keep-alive\n\n');
    };
    const timer = setInterval(() => refresh().catch((err: Error) => log.warn({ err: err.message }, 'approval stream refresh failed')), POLL_MS);
    const end = () => {
      clearInterval(timer);
      unsubscribe();
      open.delete(end);
      if (!res.writableEnded) res.end();
    };
    open.add(end);
    req.raw.on('close', end);
    for (const a of await approvals.pending(caller.subjectId)) send(a);
  });
}
