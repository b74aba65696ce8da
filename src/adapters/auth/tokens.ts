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

/** How many verified tokens are remembered (a client sends its token with every request). */
const VERIFIED_KEPT = 10_000;

export function createTokenService(key: Uint8Array, ttlSeconds: number) {
  // Verifying is a pure function of the token and the key, which does not change in a process: a token
  // verified once gives the same claims until it expires, so they are kept (the oldest dropped first).
  // Revocation, the user's state and the password fingerprint are checked on every request by the caller.
  const verified = new Map<string, TokenClaims>();
  const remember = (token: string, claims: TokenClaims) => {
    if (verified.size >= VERIFIED_KEPT) verified.delete(verified.keys().next().value!);
    verified.set(token, claims);
  };
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
      const known = verified.get(token);
      // Strictly before its expiry (jose's own check has whole seconds): at the boundary jose decides.
      if (known && known.expiresAt.getTime() > Date.now()) return { ...known };
      if (known) verified.delete(token);
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
        const claims: TokenClaims = {
          userId: payload.sub,
          passwordFingerprint: pwf,
          jti: payload.jti,
          issuedAt: new Date(iatMs),
          expiresAt: new Date(payload.exp * 1000),
        };
        remember(token, claims);
        return { ...claims };
      } catch (err) {
        if (err instanceof TokenInvalidError) throw err;
        throw new TokenInvalidError(err instanceof errors.JWTExpired ? 'expired' : 'invalid');
      }
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
