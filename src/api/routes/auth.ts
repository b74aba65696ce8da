// /auth: CSRF token, login (rate-limited per user and per address), logout, me, change-password.
// The limiters count in the store the composition root gives (PostgreSQL, shared by every process); a
// store error is not let through (passOnStoreError false): it reaches the error handler, 503
// DATABASE_UNAVAILABLE when the database is away.
import type { Request, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { UserRow } from '../../adapters/db/usersTable.js';
import { AppError } from '../../domain/errors.js';
import { permissionsOf } from '../../domain/users/roles.js';
import type { ApiDeps } from '../deps.js';
import { requestIdOf } from '../middleware/requestId.js';
import { bodyString } from '../requestFields.js';
import { SESSION_COOKIE } from '../middleware/authenticate.js';
import { commandContext } from '../commandContext.js';
import { defineRoute, type RouteDefinition } from '../route.js';
import { userSchema } from '../schemas/common.js';

const tokenSchema = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_at: z.string(),
  expires_in: z.number(),
  user: userSchema,
});

export const isSecureRequest = (config: ApiDeps['config'], req: Request): boolean =>
  config.cookieSecure === 'auto' ? req.secure : config.cookieSecure;

export function authRoutes(deps: ApiDeps): RouteDefinition[] {
  const { config, csrf, commands } = deps;
  const publicUser = deps.queries.users.toApi;
  const ipOf = (req: Request) => req.ip ?? null;

  const setSession = (req: Request, res: Response, token: string, expiresAt: Date) =>
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: isSecureRequest(config, req),
      path: '/',
      expires: expiresAt,
    });
  const issued = (token: { token: string; expiresAt: Date }, user: UserRow) => ({
    access_token: token.token,
    token_type: 'Bearer' as const,
    expires_at: token.expiresAt.toISOString(),
    expires_in: Math.round((token.expiresAt.getTime() - Date.now()) / 1000),
    user: publicUser(user),
  });

  const limited = (scope: 'user' | 'address') => async (req: Request) => {
    const username = bodyString(req, 'username').slice(0, 200);
    await commands.auditLoginRateLimited(commandContext(req, undefined), { username, ip: ipOf(req) });
    return new AppError('RATE_LIMIT_EXCEEDED', `too many login attempts for this ${scope}; try again later`, {
      retry_after_seconds: Math.ceil(config.loginRateLimit.windowMs / 1000),
    });
  };
  const common = {
    windowMs: config.loginRateLimit.windowMs,
    standardHeaders: 'draft-8' as const,
    legacyHeaders: false,
    passOnStoreError: false, // the database away: 503, not every attempt let through
    // Its store and validation errors go to our log, not the console.
    logger: {
      error: (err: unknown, message?: string) => deps.logger.error({ err }, message ?? 'express-rate-limit'),
      warn: (err: unknown, message?: string) => deps.logger.warn({ err }, message ?? 'express-rate-limit'),
    },
  };
  const perAddress = rateLimit({
    ...common,
    store: deps.rateLimitStore('login-address:'),
    limit: config.loginRateLimit.perAddress,
    handler: (req, _res, next) => void limited('address')(req).then(next, next),
  });
  const perUser = rateLimit({
    ...common,
    limit: config.loginRateLimit.perUser,
    store: deps.rateLimitStore('login-user:'),
    skipSuccessfulRequests: true, // only failed attempts count against a username
    keyGenerator: (req) => `user:${bodyString(req, 'username').toLowerCase().slice(0, 200)}`,
    handler: (req, _res, next) => void limited('user')(req).then(next, next),
  });

  return [
    defineRoute({
      method: 'get',
      path: '/auth/csrf-token',
      tag: 'auth',
      summary:
        'A CSRF token for cookie-authenticated writes (send it in X-CSRF-Token); bound to the current session',
      access: 'public',
      response: z.object({ csrf_token: z.string(), header: z.string() }),
      handler: ({ req, res }) =>
        Promise.resolve({ data: { csrf_token: csrf.generate(req, res), header: 'X-CSRF-Token' } }),
    }),
    defineRoute({
      method: 'post',
      path: '/auth/login',
      tag: 'auth',
      summary: 'Log in: returns a bearer JWT and sets the httpOnly session cookie',
      access: 'public',
      before: [perAddress, perUser],
      body: z.strictObject({ username: z.string().min(1).max(200), password: z.string().min(1).max(1024) }),
      response: tokenSchema,
      handler: async ({ body, req, res }) => {
        const result = await commands.login(body.username, body.password, ipOf(req), {
          correlationId: requestIdOf(req),
          now: new Date(),
        });
        setSession(req, res, result.token.token, result.token.expiresAt);
        return { data: issued(result.token, result.user), message: 'logged in' };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/auth/logout',
      tag: 'auth',
      summary: 'Log out: revokes the presented token and clears the session cookie',
      access: { permission: 'view' },
      response: z.object({ logged_out: z.boolean() }),
      handler: async ({ user, req, res }) => {
        await commands.logout(user!.row, user!.claims, ipOf(req), commandContext(req, user));
        res.clearCookie(SESSION_COOKIE, { path: '/' });
        return { data: { logged_out: true }, message: 'logged out' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/auth/me',
      tag: 'auth',
      summary: 'The current user and their permissions',
      access: { permission: 'view' },
      response: userSchema.extend({
        permissions: z.array(z.string()),
        authenticated_via: z.enum(['bearer', 'cookie']),
      }),
      handler: ({ user }) =>
        Promise.resolve({
          data: {
            ...publicUser(user!.row),
            permissions: [...permissionsOf(user!.row.role)],
            authenticated_via: user!.via,
          },
        }),
    }),
    defineRoute({
      method: 'post',
      path: '/auth/change-password',
      tag: 'auth',
      summary: "Change one's own password: ends every session and returns a new token",
      access: { permission: 'view' },
      body: z.strictObject({
        old_password: z.string().min(1).max(1024),
        new_password: z.string().min(1).max(1024),
        confirm_password: z.string().min(1).max(1024),
      }),
      response: tokenSchema,
      handler: async ({ body, user, req, res }) => {
        const token = await commands.changePassword(
          user!.row,
          user!.claims,
          {
            oldPassword: body.old_password,
            newPassword: body.new_password,
            confirmPassword: body.confirm_password,
          },
          commandContext(req, user),
        );
        setSession(req, res, token.token, token.expiresAt);
        return { data: issued(token, user!.row), message: 'password changed' };
      },
    }),
  ];
}
