// `whalefall secrets rotate-key`: re-encrypt every stored credential password under a new key, with no
// downtime. Embedded mode: writes a keyring whose current key is new and whose previous keys are the old
// ones, then re-encrypts; a running server that meets the new key re-reads the keyring. With
// WHALEFALL_SECRET_KEY: the operator deploys the new key as current and the old one in
// WHALEFALL_PREVIOUS_SECRET_KEYS first (a rolling restart), then this re-encrypts everything.
import { reencryptSecrets } from '../commands/credentials.js';
import {
  generateKey,
  keyId,
  keyringFile,
  parseKey,
  readKeyringFile,
  writeKeyringFile,
  type Keyring,
} from '../adapters/keyring/keyring.js';
import type { Runtime } from '../runtime.js';

export interface RotateOptions {
  newKey?: string | undefined;
  /** Drop previous keys from the keyring file once no secret uses them. */
  prunePrevious?: boolean;
}

export async function rotateKey(
  runtime: Runtime,
  options: RotateOptions,
  print: (line: string) => void,
): Promise<void> {
  const { config, knex } = runtime;
  if (config.secretKey) {
    if (options.newKey) {
      throw new Error(
        'WHALEFALL_SECRET_KEY is set: deploy the new key as WHALEFALL_SECRET_KEY and the old one in WHALEFALL_PREVIOUS_SECRET_KEYS on every process, then run rotate-key without --new-key',
      );
    }
    await runtime.keyring.reload();
  } else {
    const file = keyringFile(config.dataDir);
    const old = await readKeyringFile(file);
    if (!old) throw new Error(`no keyring at ${file}: start the service once first`);
    const next: Keyring = {
      current: options.newKey ? parseKey(options.newKey) : generateKey(),
      previous: [old.current, ...old.previous],
    };
    await writeKeyringFile(file, next);
    await runtime.keyring.reload();
    print(
      `new current key ${keyId(next.current)} (previous: ${next.previous.map(keyId).join(', ')}) written to ${file}`,
    );
  }
  const ring = runtime.keyring.current();
  const changed = await reencryptSecrets({ knex, keyring: runtime.keyring.current });
  const remaining = (await knex('credential_secrets')
    .whereNot({ key_id: keyId(ring.current) })
    .count({ n: '*' })) as [{ n: string }];
  print(
    `re-encrypted ${changed} secret(s) under key ${keyId(ring.current)}; ${remaining[0].n} still under other keys`,
  );
  if (options.prunePrevious && !config.secretKey) {
    if (Number(remaining[0].n) > 0)
      throw new Error('not pruning: some secrets still use previous keys (run rotate-key again)');
    await writeKeyringFile(keyringFile(config.dataDir), { current: ring.current, previous: [] });
    print('previous keys removed from the keyring');
  } else if (config.secretKey) {
    print('when every process runs with the new key, remove the old one from WHALEFALL_PREVIOUS_SECRET_KEYS');
  }
}
