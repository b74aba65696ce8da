// Session tokens: HS256 JWTs (jose) with a random id, so a logout can revoke one.
import { createHash, randomUUID } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

const ISSUER = 'whalefall';

export interface IssuedToken {
  token: string;
  jti: string;
  expiresAt: Date;
}

/**
 * A token carries a fingerprint of the password hash it was issued under: when the password changes,
 * every token minted against the old hash (even by a login that raced with the change) stops working.
 */
export const passwordFingerprint = (passwordHash: string): string =>
  createHash('sha256').update(passwordHash).digest('base64url').slice(0, 16);

export interface TokenClaims {
  userId: string;
  passwordFingerprint: string;
  jti: string;
  issuedAt: Date;
  expiresAt: Date;
}

export class TokenInvalidError extends Error {
  constructor(readonly reason: 'expired' | 'invalid') {
    super(`token ${reason}`);
    this.name = 'TokenInvalidError';
  }
}

export function createTokenService(key: Uint8Array, ttlSeconds: number) {
  return {
    async issue(userId: string, passwordHash: string): Promise<IssuedToken> {
      const jti = randomUUID();
      const nowMs = Date.now();
      const now = Math.floor(nowMs / 1000);
      // iat has whole seconds; iat_ms lets "issued before the password changed" be decided exactly.
      const token = await new SignJWT({ iat_ms: nowMs, pwf: passwordFingerprint(passwordHash) })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(userId)
        .setJti(jti)
        .setIssuer(ISSUER)
        .setIssuedAt(now)
        .setExpirationTime(now + ttlSeconds)
        .sign(key);
      return { token, jti, expiresAt: new Date((now + ttlSeconds) * 1000) };
    },

    async verify(token: string): Promise<TokenClaims> {
      try {
        const { payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'] });
        const iatMs = payload.iat_ms;
        const pwf = payload.pwf;
        if (
          !payload.sub ||
          !payload.jti ||
          typeof iatMs !== 'number' ||
          typeof pwf !== 'string' ||
          payload.exp === undefined
        ) {
          throw new TokenInvalidError('invalid');
        }
        return {
          userId: payload.sub,
          passwordFingerprint: pwf,
          jti: payload.jti,
          issuedAt: new Date(iatMs),
          expiresAt: new Date(payload.exp * 1000),
        };
      } catch (err) {
        if (err instanceof TokenInvalidError) throw err;
        throw new TokenInvalidError(err instanceof errors.JWTExpired ? 'expired' : 'invalid');
      }
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
