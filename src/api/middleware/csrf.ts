// CSRF for browser sessions (double-submit cookie, csrf-csrf): a write authenticated by the session
// cookie must carry the token from GET /auth/csrf-token in X-CSRF-Token. Bearer requests need none.
import type { Request, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import { AppError } from '../../domain/errors.js';
import { SESSION_COOKIE } from './authenticate.js';

export const CSRF_HEADER = 'x-csrf-token';

export function createCsrf(secret: string, secure: (req: Request) => boolean) {
  const make = (isSecure: boolean) =>
    doubleCsrf({
      getSecret: () => secret,
      // Bound to the session token: a token fetched before logging in is not valid after.
      getSessionIdentifier: (req) => {
        const session = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
        return typeof session === 'string' ? session : '';
      },
      cookieName: 'wf_csrf',
      cookieOptions: { sameSite: 'strict', path: '/', secure: isSecure, httpOnly: true },
      getCsrfTokenFromRequest: (req) => req.headers[CSRF_HEADER],
    });
  const plain = make(false);
  const tls = make(true);
  const pick = (req: Request) => (secure(req) ? tls : plain);
  return {
    generate: (req: Request, res: Response) => pick(req).generateCsrfToken(req, res, { overwrite: true }),
    check(req: Request): void {
      const header = req.headers[CSRF_HEADER];
      if (header === undefined || header === '') throw new AppError('CSRF_MISSING');
      if (!pick(req).validateRequest(req)) throw new AppError('CSRF_INVALID');
    },
  };
}

export type Csrf = ReturnType<typeof createCsrf>;
