// The keys that protect stored credentials (AES-256-GCM). The current key encrypts; previous keys only
// decrypt, so a rotation needs no downtime: deploy the new key as current with the old one as previous,
// re-encrypt everything (`whalefall secrets rotate-key`), then drop the old key.
// Embedded mode keeps the keyring in <dataDir>/secret-keys.json (mode 0600), generated on first start.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

export interface Keyring {
  current: Buffer;
  previous: Buffer[];
}

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

export const parseKey = (text: string): Buffer => {
  const trimmed = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(trimmed)
    ? Buffer.from(trimmed, 'hex')
    : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) throw new SecretKeyError('a secret key is 32 bytes, as base64 or 64 hex digits');
  return key;
};

/** A short, stable name for a key (not secret: a hash prefix), stored beside each ciphertext. */
export const keyId = (key: Buffer): string => createHash('sha256').update(key).digest('hex').slice(0, 12);

export const generateKey = (): Buffer => randomBytes(32);

export const keyringFile = (dataDir: string): string => path.join(dataDir, 'secret-keys.json');

export async function readKeyringFile(file: string): Promise<Keyring | undefined> {
  if (!existsSync(file)) return undefined;
  const json = JSON.parse(await fs.readFile(file, 'utf8')) as { current: string; previous?: string[] };
  return { current: parseKey(json.current), previous: (json.previous ?? []).map(parseKey) };
}

export async function writeKeyringFile(file: string, ring: Keyring): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  const body = JSON.stringify(
    { current: ring.current.toString('base64'), previous: ring.previous.map((k) => k.toString('base64')) },
    null,
    2,
  );
  await fs.writeFile(tmp, body + '\n', { mode: 0o600 });
  await fs.rename(tmp, file); // atomic: a reader never sees half a file
}

/**
 * The keyring for this process: WHALEFALL_SECRET_KEY (+ WHALEFALL_PREVIOUS_SECRET_KEYS) when set;
 * otherwise, in embedded mode, the data directory's file (created on first start); with DATABASE_URL and
 * no key, a clear refusal: a generated key on one machine would make the other processes' secrets unreadable.
 */
export async function loadKeyring(options: {
  secretKey: string | undefined;
  previousKeys: readonly string[];
  embedded: boolean;
  dataDir: string;
}): Promise<Keyring> {
  if (options.secretKey)
    return { current: parseKey(options.secretKey), previous: options.previousKeys.map(parseKey) };
  if (!options.embedded) {
    throw new SecretKeyError(
      'WHALEFALL_SECRET_KEY is not set. With DATABASE_URL every process must use the same key: generate one with ' +
        "`node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"` and set it.",
    );
  }
  const file = keyringFile(options.dataDir);
  const existing = await readKeyringFile(file);
  if (existing) return existing;
  const ring = { current: generateKey(), previous: [] };
  await fs.mkdir(options.dataDir, { recursive: true });
  await writeKeyringFile(file, ring);
  return ring;
}

// Ciphertext format: v1.<keyId>.<iv>.<tag>.<ciphertext> (base64url). The credential id is the additional
// authenticated data: a ciphertext copied onto another credential's row does not decrypt.
export function encryptSecret(ring: Keyring, plaintext: string, boundTo: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.current, iv);
  cipher.setAAD(Buffer.from(boundTo));
  const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    'v1',
    keyId(ring.current),
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    ct.toString('base64url'),
  ].join('.');
}

export class UnknownKeyError extends SecretKeyError {
  constructor(readonly keyId: string) {
    super(`the secret was encrypted with key ${keyId}, which is not in this process's keyring`);
    this.name = 'UnknownKeyError';
  }
}

export function decryptSecret(ring: Keyring, sealed: string, boundTo: string): string {
  const [version, id, iv, tag, ct] = sealed.split('.');
  if (version !== 'v1' || !id || !iv || !tag || ct === undefined)
    throw new SecretKeyError('malformed stored secret');
  const key = [ring.current, ...ring.previous].find((k) => keyId(k) === id);
  if (!key) throw new UnknownKeyError(id);
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(boundTo));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretKeyError(
      'a stored secret failed authentication (tampered, or bound to another credential)',
    );
  }
}

export const sealedKeyId = (sealed: string): string | undefined => sealed.split('.')[1];
