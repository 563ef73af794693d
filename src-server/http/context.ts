import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Locale } from '../../shared/api/common.js';
import type { Authenticator, SignedInAdmin, SignedInUser } from '../auth/authenticator.js';
import type { ApiRoutes, RouteName, RouteParams, RouteResponse } from '../../shared/api/routes.js';

/** Who is calling, as established by the route's `auth` kind. */
export type Caller =
  | { kind: 'anonymous' }
  | { kind: 'resetSession'; token: string }
  | SignedInUser
  | SignedInAdmin;

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

/** What every area's routes are registered with. */
export interface RouteContext {
  authenticator: Authenticator;
  validateResponses: boolean;
}

/** One area's routes (reset, auth, me, …): built with its flows, registered by `buildHttpApp`. */
export type RoutePlugin = (app: FastifyInstance, context: RouteContext) => void | Promise<void>;
