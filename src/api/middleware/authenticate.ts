// Who is calling: a bearer JWT (API clients) or the session cookie (browsers), checked against the
// users table on every request (active, not logged out, not issued before a password change).
import type { Request } from 'express';
import type { Knex } from 'knex';
import {
  passwordFingerprint,
  TokenInvalidError,
  type TokenClaims,
  type TokenService,
} from '../../adapters/auth/tokens.js';
import { usersTable, type UserRow } from '../../adapters/db/usersTable.js';
import { AppError } from '../../domain/errors.js';

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

export function makeAuthenticate(deps: { knex: Knex; tokens: TokenService }) {
  return async (req: Request): Promise<AuthenticatedUser> => {
    const presented = presentedToken(req);
    if (!presented) throw unauthenticated('no credentials');
    let claims: TokenClaims;
    try {
      claims = await deps.tokens.verify(presented.token);
    } catch (err) {
      if (err instanceof TokenInvalidError)
        throw unauthenticated(err.reason === 'expired' ? 'token expired' : 'token invalid');
      throw err;
    }
    const [row, revoked] = await Promise.all([
      usersTable.byId(deps.knex, claims.userId),
      deps.knex<{ jti: string }>('revoked_tokens').where({ jti: claims.jti }).first('jti'),
    ]);
    if (!row) throw unauthenticated('token invalid');
    if (revoked) throw unauthenticated('logged out');
    if (!row.is_active) throw new AppError('ACCOUNT_DISABLED');
    if (
      claims.issuedAt < row.tokens_valid_after ||
      claims.passwordFingerprint !== passwordFingerprint(row.password_hash)
    ) {
      throw unauthenticated('session ended (password changed)');
    }
    return { row, claims, via: presented.via };
  };
}
