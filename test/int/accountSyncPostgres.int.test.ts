// Account sync of a real PostgreSQL (issue 10, A6): a superuser holds GRANT_ADMIN as on the other
// engines, and a dropped database is recorded once as vanished, not as a privilege change of every role.
// The cluster is shared with other suites: only this file's roles and databases are looked at.
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresqlAdapter } from '../../src/adapters/engines/postgresql/postgresqlAdapter.js';
import type { EngineAdapter } from '../../src/adapters/engines/port.js';
import type { EventStore } from '../../src/adapters/eventStore/port.js';
import type { PostgresEventStore } from '../../src/adapters/eventStore/postgresEventStore.js';
import { syncInstanceAccounts, toLedgerEvents } from '../../src/commands/sync/syncInstanceAccounts.js';
import { accountsStream } from '../../src/domain/accounts/events.js';
import { foldLedger } from '../../src/domain/accounts/ledger.js';
import type { AccountPermissions } from '../../src/domain/engines/model.js';
import { createLogger } from '../../src/logger.js';
import { accountsProjection } from '../../src/projections/accounts/projection.js';
import { ProjectionRunner } from '../../src/projections/runner.js';
import {
  createPostgresCollector,
  dropDatabases,
  dropPostgresCollector,
} from '../support/postgresCollector.js';
import { monitoredPostgresService, titled } from '../support/services.js';
import type { TestDatabase } from '../support/testDatabase.js';
import { openValidatedStore, type ValidatedStore } from '../support/validatedStore.js';

const service = monitoredPostgresService();
const p = `wft_${randomBytes(4).toString('hex')}`;
const collector = { user: `${p}_collector`, password: `Coll-${p}-pw` };
const [KEEP, DROP] = [`${p}_keep`, `${p}_drop`];
const ctx = { actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'c', now: new Date() };
const logger = createLogger({ level: 'silent' });

/** This file's roles and databases only: other suites create and drop theirs on the same cluster. */
function onlyOurs(real: EngineAdapter): EngineAdapter {
  const narrowed = (a: AccountPermissions): AccountPermissions => ({
    ...a,
    facts: {
      ...a.facts,
      privileges: {
        ...a.facts.privileges,
        database: Object.fromEntries(
          Object.entries(a.facts.privileges.database).filter(([db]) => db.startsWith(p)),
        ),
      },
    },
  });
  return {
    ...real,
    dbType: real.dbType,
    close: () => real.close(),
    listAccounts: async () => {
      const all = await real.listAccounts();
      return { ...all, items: all.items.filter((a) => a.username.startsWith(p)) };
    },
    permissionSnapshot: async () => {
      const all = await real.permissionSnapshot();
      return {
        ...all,
        items: all.items.filter((a) => a.username.startsWith(p)).map(narrowed),
        databases: all.databases?.filter((db) => db.startsWith(p)),
      };
    },
  };
}

describe.skipIf(!service.url)(titled('account sync against PostgreSQL', service), () => {
  const instanceId = randomUUID();
  let admin: pg.Client;
  let opened: ValidatedStore;
  let db: TestDatabase;
  let raw: PostgresEventStore;
  let store: EventStore;
  const q = (s: string) => admin.escapeIdentifier(s);

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: service.url! });
    await admin.connect();
    await createPostgresCollector(admin, collector.user, collector.password);
    for (const sql of [
      `CREATE ROLE ${q(`${p}_super`)} LOGIN SUPERUSER`,
      `CREATE ROLE ${q(`${p}_app`)} LOGIN`,
      `CREATE ROLE ${q(`${p}_report`)} LOGIN`,
      `CREATE DATABASE ${q(KEEP)}`,
      `CREATE DATABASE ${q(DROP)}`,
      `GRANT CREATE ON DATABASE ${q(KEEP)} TO ${q(`${p}_app`)}`,
      `GRANT CREATE ON DATABASE ${q(DROP)} TO ${q(`${p}_app`)}`,
    ])
      await admin.query(sql);
    opened = await openValidatedStore();
    ({ db, raw, store } = opened);
  });

  afterAll(async () => {
    await opened?.close();
    await dropDatabases(service.url!, [KEEP, DROP]);
    for (const role of ['super', 'app', 'report'])
      await admin.query(`DROP ROLE IF EXISTS ${q(`${p}_${role}`)}`);
    await dropPostgresCollector(admin, collector.user);
    await admin.end();
  });

  const sync = async () => {
    const { hostname, port } = new URL(service.url!);
    const adapter = onlyOurs(
      createPostgresqlAdapter({
        dbType: 'postgresql',
        host: hostname,
        port: Number(port || 5432),
        username: collector.user,
        password: collector.password,
      }),
    );
    try {
      return await syncInstanceAccounts({
        store,
        adapter,
        dbType: 'postgresql',
        instanceId,
        sessionId: randomUUID(),
        ctx,
      });
    } finally {
      await adapter.close();
    }
  };
  const events = () => raw.readStream(accountsStream(instanceId));
  const ledger = async () => foldLedger(toLedgerEvents(await events()));

  it('a superuser holds GRANT_ADMIN, with superuser as the reason', async () => {
    await sync();
    const facts = (await ledger()).facts.get(`${p}_super`);
    expect(facts?.capabilities).toEqual(['SUPERUSER', 'GRANT_ADMIN']);
    expect(facts?.capability_reasons.GRANT_ADMIN).toEqual(['superuser (rolsuper = true)']);
  });

  it('a dropped database is recorded once as vanished; a real revoke in the same sync is still a diff', async () => {
    expect(Object.keys((await ledger()).facts.get(`${p}_report`)!.privileges.database)).toEqual([DROP, KEEP]);
    await dropDatabases(service.url!, [DROP]);
    await admin.query(`REVOKE CREATE ON DATABASE ${q(KEEP)} FROM ${q(`${p}_app`)}`);
    const result = await sync();

    const last = (await events()).at(-1)!;
    const data = last.data as {
      vanishedDatabases?: string[];
      accounts: { username: string; diff: unknown }[];
    };
    expect(data.accounts.map((a) => [a.username, a.diff])).toEqual([
      [
        `${p}_app`,
        {
          capabilities: { added: [], removed: [] },
          roles: { added: [], removed: [] },
          privileges: { [`database:${KEEP}`]: { added: [], removed: ['CREATE'] } },
        },
      ],
      [collector.user, null],
      [`${p}_report`, null],
      [`${p}_super`, null],
    ]);
    expect(data.vanishedDatabases).toEqual([DROP]);
    expect(result.details).toMatchObject({ privilegesModified: 1, vanishedDatabases: [DROP] });
    expect(Object.keys((await ledger()).facts.get(`${p}_report`)!.privileges.database)).toEqual([KEEP]);

    await new ProjectionRunner({
      projection: accountsProjection,
      store: raw,
      knex: db.knex,
      logger,
    }).catchUp();
    const log = await db
      .knex('account_change_log')
      .where({ instance_id: instanceId, change_type: 'modify_privilege' })
      .select<{ username: string }[]>('username');
    expect(log.map((r) => r.username)).toEqual([`${p}_app`]);
  });
});
