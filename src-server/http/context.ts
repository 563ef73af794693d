import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Locale } from '../../shared/api/common.js';
import type { ApiRoutes, RouteName, RouteParams, RouteResponse } from '../../shared/api/routes.js';

/** Who is calling, as established by the route's `auth` kind. */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'resetSession'; token: string }
  /** `signInId`: the refresh-token family of an access token (R26 step-ups are bound to it). */
  | { kind: 'user'; subjectId: string; username: string; isAdmin: boolean; tokenKind: 'access' | 'change'; signInId: string | null }
  /** `actor` is the administrator's user name, or `bootstrap` for the configured token. */
  | { kind: 'admin'; actor: string; subjectId: string | null };

type Parsed<T> = T extends z.ZodType ? z.output<T> : undefined;

export interface ApiRequest<N extends RouteName> {
  body: ApiRoutes[N] extends { body: infer B } ? Parsed<B> : undefined;
  query: ApiRoutes[N] extends { query: infer Q } ? Parsed<Q> : undefined;
  params: RouteParams<N>;
  caller: Caller;
  /** IP and app instance (`X-SSPR-Client`), for audit events (R17a). */
  client: string;
  ip: string;
  locale: Locale;
  raw: FastifyRequest;
  reply: FastifyReply;
}

/** Returned by a handler that wrote the reply itself (CSV streams). */
export const REPLY_SENT = Symbol('reply-sent');

export type Handler<N extends RouteName> = (req: ApiRequest<N>) => Promise<RouteResponse<N> | typeof REPLY_SENT | void>;
export type HandlerTable = { [N in RouteName]?: Handler<N> };

/** Resolves bearer tokens for the route kinds that need more than the token itself. */
export interface Authenticator {
  /** An access token (or, where allowed, a change token) → the user, or null. */
  user(token: string, allowChangeToken: boolean): Promise<Extract<Caller, { kind: 'user' }> | null>;
  /** The bootstrap token or an administrator's access token → the admin, or null. */
  admin(token: string): Promise<Extract<Caller, { kind: 'admin' }> | null>;
}
