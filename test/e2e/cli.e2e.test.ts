// The command line as an operator meets it, against the built binary: --instance by name, an unknown
// name, no store (never a new empty one), output piped into `head`, and Ctrl-C during a sync of an
// instance whose server never answers (the session is cancelled, the summary printed); and a sync by name of
// an instance registered a moment before, which the instances read model has not taken in.
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { validatingEventStore } from '../../src/adapters/eventStore/validatingEventStore.js';
import { parseKey } from '../../src/adapters/keyring/keyring.js';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { startApiServer, TEST_SECRET_KEY, type ApiServer } from '../support/apiServer.js';
import { runCliToEnd, runToEnd, spawnCli, spawnProcess } from '../support/cliProcess.js';
import { testMetadata } from '../support/eventFactory.js';
import { useFakePeers } from '../support/fakePeers.js';
import { createCollector, dropCollector } from '../support/mariadbCollector.js';
import { registerInstance } from '../support/registeredInstance.js';
import { builtCli } from '../support/serverProcess.js';
import { mysqlService, titled } from '../support/services.js';
import { createTestDatabase, type TestDatabase } from '../support/testDatabase.js';

describe('the whalefall command line', () => {
  const peers = useFakePeers();
  let api: ApiServer;
  let token: string;
  let env: Record<string, string>;
  let slowId: string;

  beforeAll(async () => {
    api = await startApiServer();
    token = await api.adminToken();
    env = { DATABASE_URL: api.db.url, WHALEFALL_SECRET_KEY: TEST_SECRET_KEY };
    const cred = await api.call<{ data: { id: string } }>('POST', '/credentials', {
      token,
      body: { name: 'c', db_type: 'mysql', username: 'u', password: 'p-long-enough' },
    });
    const inst = await api.call<{ data: { id: string } }>('POST', '/instances', {
      token,
      body: {
        name: 'Slow-Maria',
        db_type: 'mysql',
        host: '127.0.0.1',
        port: peers.silentPort(), // accepts and never answers: the sync hangs in its first read
        credential_id: cred.body.data.id,
      },
    });
    expect(inst.status).toBe(201);
    slowId = inst.body.data.id;
  });
  afterAll(async () => {
    await api?.stop();
  });

  it('an unknown --instance is refused by name, with exit code 2 and no SQL', async () => {
    for (const ref of ['slow', randomUUID()]) {
      const run = await runCliToEnd(['sync', 'accounts', '--instance', ref], env);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`unknown instance '${ref}': no instance has that name or id`);
      expect(run.stderr).not.toMatch(/select|uuid|\n\s+at /i);
    }
    // A part of a name is not a name, but the refusal says which one was meant.
    expect((await runCliToEnd(['sync', 'accounts', '--instance', 'slow'], env)).stderr).toContain(
      "(did you mean 'Slow-Maria'?)",
    );
  });

  it('with no store, says which store it looked for and creates none', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'wf-cli-nostore-'));
    try {
      const run = await runCliToEnd(['sync', 'accounts'], { WHALEFALL_DATA_DIR: dataDir });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`the embedded PostgreSQL in ${dataDir}/pg`);
      expect(run.stderr).toContain(`no whalefall store in ${dataDir}/pg`);
      expect(run.stdout).not.toContain('ended');
      expect(await fs.readdir(dataDir)).toEqual([]);
    } finally {
      await fs.rm(dataDir, { recursive: true, force: true });
    }

    const empty = await createTestDatabase({ migrate: false });
    try {
      const run = await runCliToEnd(['sync', 'capacity'], { DATABASE_URL: empty.url });
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(`DATABASE_URL ${empty.url} holds no whalefall store`);
      const { rows } = await empty.pool.query<{ t: string | null }>(
        "SELECT to_regclass('knex_migrations')::text AS t",
      );
      expect(rows[0]!.t).toBeNull();
    } finally {
      await empty.drop();
    }
  });

  it('output piped into head -1 ends quietly, exit code 0', async () => {
    // A session timeline whose SessionStarted alone is far longer than a pipe's buffer: head has gone
    // while the command still writes.
    const sessionId = randomUUID();
    const store = new PostgresEventStore(api.db.pool);
    const instances = Array.from({ length: 5000 }, (_, n) => ({
      instanceId: randomUUID(),
      instanceName: `instance-${n}`,
    }));
    await store.append(
      `session-${sessionId}`,
      [
        {
          eventId: randomUUID(),
          type: 'SessionStarted',
          schemaVersion: 1,
          data: { sessionId, category: 'account', syncType: 'manual_batch', instances },
          metadata: testMetadata(),
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    await store.close();
    for (const command of [`replay --session ${sessionId}`, `events show session-${sessionId}`]) {
      // pipefail: the exit code is whalefall's, not head's.
      const piped = await runToEnd(
        spawnProcess('bash', ['-c', `set -o pipefail; "$NODE" "$CLI" ${command} | head -1`], {
          ...env,
          NODE: process.execPath,
          CLI: builtCli,
        }),
      );
      expect(piped.stdout.split('\n').filter(Boolean), command).toHaveLength(1);
      expect(piped.stdout).toContain(`session-${sessionId}@0  SessionStarted`);
      expect(piped.stderr, command).not.toMatch(/EPIPE|Error|\n\s+at /);
      expect(piped.code, command).toBe(0);
    }
  });

  it('Ctrl-C during a sync cancels the session it started and prints the summary; progress names the instance', async () => {
    const cli = spawnCli(['sync', 'accounts', '--instance', 'slow-maria'], env);
    const [, sessionId] = await cli.waitFor(/^session ([0-9a-f-]{36})$/m);
    await cli.waitFor(/running: Slow-Maria/);
    cli.child.kill('SIGINT');
    const code = await Promise.race([
      cli.exited,
      new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000)),
    ]);
    expect(code, cli.stdout() + cli.stderr()).toBe(130);
    expect(cli.stderr()).toContain(`SIGINT: cancelling session ${sessionId}`);
    expect(cli.stdout()).toContain('  Slow-Maria: abandoned (');
    expect(cli.stdout()).toContain(`session ${sessionId}: cancelled`);
    expect(cli.stderr()).not.toMatch(/\n\s+at /);

    // The server sees it ended, with no lease left to expire.
    await expect
      .poll(
        async () =>
          (
            await api.call<{ data: { status: string; records: { instance_id: string; status: string }[] } }>(
              'GET',
              `/sync-sessions/${sessionId}`,
              { token },
            )
          ).body.data,
        { timeout: 10_000 },
      )
      .toMatchObject({ status: 'cancelled', records: [{ instance_id: slowId, status: 'abandoned' }] });
  });
});

const service = mysqlService();

describe.skipIf(!service.url)(
  titled('whalefall sync of an instance the projections have not seen', service),
  () => {
    const p = `wfc_${randomBytes(3).toString('hex')}`;
    const collector = { user: `${p}_col`, password: `Col-${p}-pw` };
    let root: mysql.Connection;
    let db: TestDatabase;

    beforeAll(async () => {
      root = await mysql.createConnection({ uri: service.url! });
      await createCollector(root, collector.user, collector.password);
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db?.drop();
      await dropCollector(root, collector.user);
      await root?.end();
    });

    it('`sync accounts --instance <name>` resolves and syncs it while the instances table cannot take it in', async () => {
      const raw = new PostgresEventStore(db.pool);
      const ring = { current: parseKey(TEST_SECRET_KEY), previous: [] };
      const ctx = { actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'c', now: new Date() };
      await registerInstance(
        { db, store: validatingEventStore(raw, createEventRegistry()), keyring: () => ring },
        {
          name: 'Fresh-Maria',
          dbType: 'mysql',
          url: new URL(service.url!),
          username: collector.user,
          password: collector.password,
        },
        ctx,
      );
      await raw.close();
      // No projection has run, and none can write the instances table while this lock is held.
      const held = await db.pool.connect();
      try {
        await held.query('BEGIN');
        await held.query('LOCK TABLE instances IN SHARE MODE');
        const cli = spawnCli(['sync', 'accounts', '--instance', 'fresh-maria'], {
          DATABASE_URL: db.url,
          WHALEFALL_SECRET_KEY: TEST_SECRET_KEY,
        });
        const code = await Promise.race([
          cli.exited,
          new Promise<'hung'>((r) => setTimeout(() => r('hung'), 30_000)),
        ]);
        if (code === 'hung') cli.child.kill('SIGKILL');
        expect(code, cli.stdout() + cli.stderr()).toBe(0);
        expect(cli.stdout()).toContain('  Fresh-Maria: completed');
        expect(cli.stdout()).toMatch(/^session [0-9a-f-]{36}: completed$/m);
        const { rows } = await held.query<{ n: number }>('SELECT count(*)::int AS n FROM instances');
        expect(rows[0]!.n).toBe(0);
      } finally {
        await held.query('ROLLBACK');
        held.release();
      }
    }, 60_000);
  },
);
