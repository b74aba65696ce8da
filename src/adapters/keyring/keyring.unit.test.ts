import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  decryptSecret,
  encryptSecret,
  generateKey,
  keyId,
  keyringFile,
  loadKeyring,
  parseKey,
  SecretKeyError,
  UnknownKeyError,
} from './keyring.js';

describe('credential secrets (AES-256-GCM keyring)', () => {
  const ring = { current: generateKey(), previous: [] };

  it('round-trips, with a fresh IV each time and no plaintext in the sealed text', () => {
    const a = encryptSecret(ring, 'hunter2-Distinctive', 'cred-1');
    const b = encryptSecret(ring, 'hunter2-Distinctive', 'cred-1');
    expect(a).not.toBe(b);
    expect(a).not.toContain('hunter2');
    expect(a.split('.')[1]).toBe(keyId(ring.current));
    expect(decryptSecret(ring, a, 'cred-1')).toBe('hunter2-Distinctive');
  });

  it('refuses a ciphertext moved to another credential, or tampered with', () => {
    const sealed = encryptSecret(ring, 'pw', 'cred-1');
    expect(() => decryptSecret(ring, sealed, 'cred-2')).toThrow(SecretKeyError);
    const parts = sealed.split('.');
    parts[4] = Buffer.from('xx').toString('base64url');
    expect(() => decryptSecret(ring, parts.join('.'), 'cred-1')).toThrow(/failed authentication/);
    expect(() => decryptSecret(ring, 'garbage', 'cred-1')).toThrow(/malformed/);
  });

  it('decrypts with a previous key, and names an unknown key', () => {
    const old = { current: generateKey(), previous: [] };
    const sealed = encryptSecret(old, 'pw', 'c');
    expect(decryptSecret({ current: generateKey(), previous: [old.current] }, sealed, 'c')).toBe('pw');
    expect(() => decryptSecret(ring, sealed, 'c')).toThrow(UnknownKeyError);
  });

  it('parses keys as base64 or hex, and refuses other lengths', () => {
    const key = generateKey();
    expect(parseKey(key.toString('base64')).equals(key)).toBe(true);
    expect(parseKey(key.toString('hex')).equals(key)).toBe(true);
    expect(() => parseKey('c2hvcnQ=')).toThrow(SecretKeyError);
  });

  it('embedded mode generates the keyring file once, mode 0600; DATABASE_URL without a key is refused', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'wf-keys-'));
    const first = await loadKeyring({ secretKey: undefined, previousKeys: [], embedded: true, dataDir: dir });
    const again = await loadKeyring({ secretKey: undefined, previousKeys: [], embedded: true, dataDir: dir });
    expect(again.current.equals(first.current)).toBe(true);
    expect((await fs.stat(keyringFile(dir))).mode & 0o777).toBe(0o600);
    await expect(
      loadKeyring({ secretKey: undefined, previousKeys: [], embedded: false, dataDir: dir }),
    ).rejects.toThrow(/WHALEFALL_SECRET_KEY is not set/);
    await fs.rm(dir, { recursive: true });
  });
});
