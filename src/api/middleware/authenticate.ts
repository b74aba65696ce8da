// Who is calling: a bearer JWT (API clients) or the session cookie (browsers), checked against the
// users table on every request (active, not logged out, not issued before a password change).
import type { Request } from 'express';
import type { TokenClaims } from '../../adapters/auth/tokens.js';
import type { UserRow } from '../../adapters/db/usersTable.js';
import { AppError } from '../../domain/errors.js';
import type { AuthenticationPort } from '../deps.js';

export const SESSION_COOKIE = 'wf_session';

export interface AuthenticatedUser {
  row: UserRow;
  claims: TokenClaims;
  via: 'bearer' | 'cookie';
}

const unauthenticated = (reason: string) => new AppError('AUTHENTICATION_REQUIRED', undefined, { reason });

/** The token a request presents, if any. A malformed Authorization header is an error, not "no credentials". */
export function presentedToken(req: Request): { token: string; via: 'bearer' | 'cookie' } | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Bearer ([A-Za-z0-9_.~+/=-]+)$/.exec(header.trim());
    if (!match) throw unauthenticated('the Authorization header must be "Bearer <token>"');
    return { token: match[1]!, via: 'bearer' };
  }
  const cookie = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
  return typeof cookie === 'string' && cookie.length > 0 ? { token: cookie, via: 'cookie' } : undefined;
}

export function makeAuthenticate(port: AuthenticationPort) {
  return async (req: Request): Promise<AuthenticatedUser> => {
    const presented = presentedToken(req);
    if (!presented) throw unauthenticated('no credentials');
    const claims = await port.verify(presented.token);
    if (claims === 'expired') throw unauthenticated('token expired');
    if (claims === 'invalid') throw unauthenticated('token invalid');
    const found = await port.userForToken(claims.userId, claims.jti);
    if (!found) throw unauthenticated('token invalid');
    const { row, revoked } = found;
    if (revoked) throw unauthenticated('logged out');
    if (!row.is_active) throw new AppError('ACCOUNT_DISABLED');
    if (
      claims.issuedAt < row.tokens_valid_after ||
      claims.passwordFingerprint !== port.passwordFingerprint(row.password_hash)
    ) {
      throw unauthenticated('session ended (password changed)');
    }
    return { row, claims, via: presented.via };
  };
}
