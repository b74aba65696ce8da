import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../adapters/eventStore/validatingEventStore.js';
import {
  keyId,
  keyringFile,
  loadKeyring,
  readKeyringFile,
  type Keyring,
} from '../adapters/keyring/keyring.js';
import { makeCreateCredential, readCredentialPassword } from '../commands/credentials.js';
import { loadConfig } from '../config.js';
import { createEventRegistry } from '../domain/eventTypes.js';
import type { Runtime } from '../runtime.js';
import { createTestDatabase, type TestDatabase } from '../../test/support/testDatabase.js';
import { rotateKey } from './rotateKey.js';

describe('whalefall secrets rotate-key (embedded mode)', () => {
  let db: TestDatabase;
  let raw: PostgresEventStore;
  let dataDir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    raw = new PostgresEventStore(db.pool);
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wf-rotate-'));
  });
  afterAll(async () => {
    await raw.close();
    await db.drop();
    await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('re-encrypts every secret under a new key; a server holding the old keyring still reads them after a reload', async () => {
    const store = validatingEventStore(raw, createEventRegistry());
    const loadRing = () => loadKeyring({ secretKey: undefined, previousKeys: [], embedded: true, dataDir });
    // "The running server": its keyring as loaded at start.
    let serverRing: Keyring = await loadRing();
    const server = {
      knex: db.knex,
      store,
      keyring: () => serverRing,
      reloadKeyring: async () => void (serverRing = await loadRing()),
    };
    const ctx = { actor: { kind: 'user' as const, id: 'u' }, correlationId: 'c', now: new Date() };
    const created = [];
    for (let i = 0; i < 5; i++) {
      created.push(
        (
          await makeCreateCredential(server)(
            { name: `c${i}`, dbType: 'mysql', username: 'u', password: `pw-${i}`, description: '' },
            ctx,
          )
        ).id,
      );
    }
    const oldId = keyId(serverRing.current);

    // The CLI: its own runtime over the same database and data directory.
    let cliRing: Keyring | undefined;
    const runtime = {
      config: loadConfig({ WHALEFALL_DATA_DIR: dataDir }),
      knex: db.knex,
      keyring: {
        current: () => cliRing!,
        reload: async () => void (cliRing = await loadRing()),
      },
    } as unknown as Runtime;
    const lines: string[] = [];
    await rotateKey(runtime, {}, (l) => lines.push(l));
    const file = (await readKeyringFile(keyringFile(dataDir)))!;
    expect(keyId(file.current)).not.toBe(oldId);
    expect(file.previous.map(keyId)).toEqual([oldId]);
    expect(lines.join('\n')).toMatch(/re-encrypted 5 secret\(s\).*0 still under other keys/s);
    expect(await db.knex('credential_secrets').distinct('key_id').pluck('key_id')).toEqual([
      keyId(file.current),
    ]);

    // The server never restarted: it meets the new key, re-reads the keyring, and goes on.
    for (const [i, id] of created.entries()) expect(await readCredentialPassword(server, id)).toBe(`pw-${i}`);
    expect(keyId(serverRing.current)).toBe(keyId(file.current));

    // Running it again changes nothing; pruning drops the old key once nothing uses it.
    lines.length = 0;
    await rotateKey(runtime, { prunePrevious: true }, (l) => lines.push(l));
    expect((await readKeyringFile(keyringFile(dataDir)))!.previous).toEqual([]);
    for (const [i, id] of created.entries())
      expect(await readCredentialPassword({ knex: db.knex, keyring: () => cliRing! }, id)).toBe(`pw-${i}`);
  });
});
