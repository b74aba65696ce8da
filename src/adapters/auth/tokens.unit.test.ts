import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenService, passwordFingerprint, TokenInvalidError } from './tokens.js';

const key = randomBytes(32);

describe('session tokens', () => {
  it('issues a token that verifies, with a unique id and a millisecond issue time', async () => {
    const tokens = createTokenService(key, 3600);
    const before = Date.now();
    const a = await tokens.issue('user-1', 'scrypt$hash-a');
    const b = await tokens.issue('user-1', 'scrypt$hash-a');
    expect(a.jti).not.toBe(b.jti);
    const claims = await tokens.verify(a.token);
    expect(claims.userId).toBe('user-1');
    expect(claims.jti).toBe(a.jti);
    expect(claims.issuedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(claims.expiresAt.getTime()).toBe(a.expiresAt.getTime());
    expect(claims.passwordFingerprint).toBe(passwordFingerprint('scrypt$hash-a'));
    expect(passwordFingerprint('scrypt$hash-b')).not.toBe(claims.passwordFingerprint);
  });

  it('refuses a token signed with another key, a tampered one, garbage, and alg none', async () => {
    const tokens = createTokenService(key, 3600);
    const other = createTokenService(randomBytes(32), 3600);
    const { token } = await other.issue('user-1', 'scrypt$hash-a');
    const [h, , s] = (await tokens.issue('user-1', 'scrypt$hash-a')).token.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ sub: 'admin', jti: 'x', iat_ms: 1, exp: 9e9 })).toString('base64url')}.${s}`;
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('{"sub":"u"}').toString('base64url')}.`;
    for (const bad of [token, tampered, 'garbage', '', none]) {
      await expect(tokens.verify(bad)).rejects.toEqual(new TokenInvalidError('invalid'));
    }
  });

  it('refuses an expired token as expired', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ iat_ms: (now - 120) * 1000, pwf: 'x' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u')
      .setJti('j')
      .setIssuer('whalefall')
      .setIssuedAt(now - 120)
      .setExpirationTime(now - 60)
      .sign(key);
    await expect(createTokenService(key, 3600).verify(expired)).rejects.toEqual(
      new TokenInvalidError('expired'),
    );
  });

  describe('a token verified before', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('is refused as expired once its time has passed (remembered claims do not outlive it)', async () => {
      vi.useFakeTimers({ now: new Date('2026-12-03T10:00:00.000Z'), toFake: ['Date'] });
      const tokens = createTokenService(key, 60);
      const { token } = await tokens.issue('user-1', 'scrypt$hash-a');
      expect((await tokens.verify(token)).userId).toBe('user-1');
      vi.setSystemTime(new Date('2026-12-03T10:00:59.000Z'));
      expect((await tokens.verify(token)).userId).toBe('user-1');
      vi.setSystemTime(new Date('2026-12-03T10:01:00.000Z'));
      await expect(tokens.verify(token)).rejects.toEqual(new TokenInvalidError('expired'));
    });

    it('answers a copy: a caller changing its claims does not change the next answer', async () => {
      const tokens = createTokenService(key, 3600);
      const { token } = await tokens.issue('user-1', 'scrypt$hash-a');
      const first = await tokens.verify(token);
      first.userId = 'someone-else';
      expect((await tokens.verify(token)).userId).toBe('user-1');
    });
  });

  it('refuses a correctly signed token that lacks our claims', async () => {
    const bare = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('whalefall')
      .setExpirationTime('1h')
      .sign(key);
    await expect(createTokenService(key, 3600).verify(bare)).rejects.toEqual(
      new TokenInvalidError('invalid'),
    );
  });
});
