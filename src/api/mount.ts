// Mounts route definitions on a router: authenticate, CSRF for cookie-authenticated writes, permission,
// zod parsing of params/query/body, the handler, the success envelope (a stream route answers itself).
import type { Request, Router } from 'express';
import type { z } from 'zod';
import { AppError } from '../domain/errors.js';
import { can } from '../domain/users/roles.js';
import { success } from './envelope.js';
import type { AuthenticatedUser } from './middleware/authenticate.js';
import type { Csrf } from './middleware/csrf.js';
import { isWrite, type RouteDefinition } from './route.js';

export interface MountDeps {
  authenticate(req: Request): Promise<AuthenticatedUser>;
  csrf: Csrf;
}

const parse = <S extends z.ZodType | undefined>(schema: S, value: unknown, where: string): unknown => {
  if (!schema) return undefined;
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw new AppError('VALIDATION_ERROR', `invalid ${where}`, {
    fields: result.error.issues.map((i) => ({
      field: [where, ...i.path.map(String)].join('.'),
      message: i.message,
      ...(i.code === 'unrecognized_keys' ? { unknown: i.keys } : {}),
    })),
  });
};

// Text PostgreSQL cannot store: NUL, and UTF-16 surrogates without their pair (JSON "\ud800").
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const unstorable = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function hasUnstorableText(value: unknown, depth = 0): boolean {
  if (typeof value === 'string') return unstorable.test(value);
  if (depth > 50 || value === null || typeof value !== 'object') return false;
  for (const [k, v] of Object.entries(value))
    if (unstorable.test(k) || hasUnstorableText(v, depth + 1)) return true;
  return false;
}

/** Refused at the edge with a clear code, instead of failing later in a query. */
function checkStorableText(req: Request): void {
  for (const [where, value] of [
    ['params', req.params],
    ['query', req.query],
    ['body', req.body],
  ] as const) {
    if (hasUnstorableText(value)) {
      throw new AppError('VALIDATION_ERROR', `${where} contains characters that cannot be stored`, {
        fields: [{ field: where, message: 'NUL characters and unpaired UTF-16 surrogates are not allowed' }],
      });
    }
  }
}

function checkBodyType(req: Request, route: RouteDefinition): void {
  if (!route.body) return;
  const length = Number(req.headers['content-length'] ?? 0);
  const hasBody = length > 0 || req.headers['transfer-encoding'] !== undefined;
  if (hasBody && !req.is('application/json')) throw new AppError('UNSUPPORTED_MEDIA_TYPE');
}

export function mountRoutes(router: Router, routes: readonly RouteDefinition[], deps: MountDeps): void {
  for (const route of routes) {
    router[route.method](route.path, ...(route.before ?? []), async (req, res) => {
      let user: AuthenticatedUser | undefined;
      if (route.access !== 'public') {
        user = await deps.authenticate(req);
        if (isWrite(route.method) && user.via === 'cookie') deps.csrf.check(req);
        const { permission } = route.access;
        if (!can(user.row.role, permission)) {
          throw new AppError(
            'PERMISSION_DENIED',
            `your role (${user.row.role}) lacks the '${permission}' permission`,
            {
              required_permission: permission,
              role: user.row.role,
            },
          );
        }
      }
      checkBodyType(req, route);
      checkStorableText(req);
      const input = {
        params: parse(route.params, req.params, 'params'),
        query: parse(route.query, req.query, 'query'),
        body: parse(route.body, req.body, 'body'),
        user,
        req,
        res,
      };
      const result = await route.handler(input);
      if ('streamed' in result) {
        // The handler answers on res itself; only a stream route may (a JSON route must send its envelope).
        if (!route.stream)
          throw new Error(`${route.method} ${route.path} streamed but is not a stream route`);
        return;
      }
      if (result.file) {
        res.status(200).type(result.file.contentType).attachment(result.file.filename).send(result.file.body);
        return;
      }
      if (route.raw) {
        res.status(result.status ?? 200).json(result.data);
        return;
      }
      res
        .status(result.status ?? route.status ?? 200)
        .json(success(result.data, result.message, result.meta));
    });
  }
}
