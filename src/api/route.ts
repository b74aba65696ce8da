// A route is defined once: method, path, who may call it, zod schemas for its input and output, and a
// handler. The same definitions mount the Express routes and generate the OpenAPI document.
import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';
import type { Permission } from '../domain/users/roles.js';
import type { PageMeta } from './envelope.js';
import type { AuthenticatedUser } from './middleware/authenticate.js';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** 'public': no credentials; otherwise the permission the caller's role must grant. */
export type Access = 'public' | { permission: Permission };

type Schema = z.ZodType;
type Infer<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface HandlerInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Present on every non-public route. */
  user: AuthenticatedUser | undefined;
  req: Request;
  res: Response;
}

export interface HandlerResult<T> {
  data: T;
  /** Send this file instead of the envelope (CSV export). */
  file?: { contentType: string; filename: string; body: string };
  message?: string;
  meta?: PageMeta;
  status?: number;
}

/**
 * What a stream route's handler resolves with once it has opened its stream on `res` (it writes the rest
 * itself, until the client goes): mountRoutes then sends nothing.
 */
export interface StreamOpened {
  streamed: true;
  data?: undefined;
}

export const streamOpened: StreamOpened = { streamed: true };

export interface RouteDefinition<
  P extends Schema | undefined = Schema | undefined,
  Q extends Schema | undefined = Schema | undefined,
  B extends Schema | undefined = Schema | undefined,
  R extends Schema = Schema,
> {
  method: HttpMethod;
  /** Express syntax under /api/v1, e.g. /users/:id */
  path: string;
  summary: string;
  tag: string;
  access: Access;
  params?: P;
  query?: Q;
  body?: B;
  /** Schema of `data` in the success envelope. */
  response: R;
  /** The list form: `data` is an array of `response` and `meta` carries paging. */
  paged?: boolean;
  /** HTTP status on success (default 200). */
  status?: number;
  /** Express middleware run before authentication and parsing (e.g. rate limiters). */
  before?: RequestHandler[];
  /** Send `data` as the whole body, without the envelope (the OpenAPI document). */
  raw?: boolean;
  /** The success body's media type when it is a file, not JSON (the handler answers `file`), or a stream. */
  contentType?: string;
  /**
   * A long-lived stream (server-sent events): authentication, the permission check and the parsing run as
   * for every route, then the handler writes on `res` itself and resolves with `streamOpened`. Give the
   * media type in `contentType` ('text/event-stream'); `response` is the data of one event.
   */
  stream?: boolean;
  handler(
    input: HandlerInput<Infer<P>, Infer<Q>, Infer<B>>,
  ): Promise<HandlerResult<z.input<R> | z.input<R>[]> | StreamOpened>;
}

/** Keeps each route's handler typed by its own schemas. */
export const defineRoute = <
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
  R extends Schema = Schema,
>(
  route: RouteDefinition<P, Q, B, R>,
): RouteDefinition => route;

export const isWrite = (method: HttpMethod): boolean => method !== 'get';

/** /users/:id -> /users/{id} */
export const toOpenApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
