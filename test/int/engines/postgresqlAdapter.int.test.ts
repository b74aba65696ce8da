// The PostgreSQL adapter against a real server as the monitored instance. The cluster is shared with
// other suites: everything here is named wft_<random>_… and only those objects are asserted on.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresqlAdapter } from '../../../src/adapters/engines/postgresql/postgresqlAdapter.js';
import type { EngineAdapter } from '../../../src/adapters/engines/port.js';
import {
  makeFacts,
  type AccountPermissions,
  type PermissionFacts,
} from '../../../src/domain/engines/model.js';
import { onDatabase } from '../../support/postgresCollector.js';
import { postgresService, titled } from '../../support/services.js';

const service = postgresService();
const prefix = `wft_${randomBytes(4).toString('hex')}`;
const n = (suffix: string) => `${prefix}_${suffix}`;
const secret = (role: string) => `pw-${role}-${randomBytes(8).toString('hex')}`;

const DATA = n('data');
const LOCKED = n('locked-db'); // needs quoting: proves names travel as parameters
const ATTRIBUTES = {
  super: 'LOGIN SUPERUSER',
  admin: 'LOGIN CREATEROLE',
  group: 'NOLOGIN',
  reader: 'LOGIN',
  revoked: 'LOGIN',
  expired: `LOGIN VALID UNTIL '2020-01-01 00:00:00+00'`,
  collector: 'LOGIN',
  norights: 'LOGIN',
};
type TestRole = keyof typeof ATTRIBUTES;
const ROLES = Object.keys(ATTRIBUTES) as TestRole[];
const passwords = Object.fromEntries(ROLES.map((r) => [r, secret(r)])) as Record<TestRole, string>;
const ROWS = 20_000;
const PAYLOAD = 192; // repeat(md5, 6)
const MB = 1_048_576;
const PAGE = 8192;
const round3 = (x: number) => Math.round(x * 1000) / 1000;

describe.skipIf(!service.url)(titled('PostgreSQL engine adapter', service), () => {
  const adminUrl = service.url!;
  const { hostname: host, port } = new URL(adminUrl);
  let admin: pg.Client;
  let collector: EngineAdapter;
  let snapshot: Map<string, AccountPermissions>;
  let covered: string[] | undefined;
  const adapters: EngineAdapter[] = [];
  const q = (s: string) => admin.escapeIdentifier(s);

  const adapterFor = (username: string, password: string) => {
    const a = createPostgresqlAdapter(
      { dbType: 'postgresql', host, port: Number(port), username, password },
      { connectTimeoutMs: 5_000, queryTimeoutMs: 10_000 },
    );
    adapters.push(a);
    return a;
  };

  const asSuperuser = <T>(database: string, fn: (c: pg.Client) => Promise<T>): Promise<T> =>
    onDatabase(adminUrl, database, fn);

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    for (const r of ROLES)
      await admin.query(
        `CREATE ROLE ${q(n(r))} ${ATTRIBUTES[r]} PASSWORD ${admin.escapeLiteral(passwords[r])}`,
      );
    for (const sql of [
      `GRANT pg_monitor TO ${q(n('group'))}`,
      `GRANT pg_read_all_data TO ${q(n('reader'))}`,
      `GRANT ${q(n('group'))} TO ${q(n('reader'))} WITH ADMIN OPTION`,
      `CREATE DATABASE ${q(DATA)}`,
      `CREATE DATABASE ${q(LOCKED)}`,
      `GRANT CREATE ON DATABASE ${q(DATA)} TO ${q(n('admin'))}`,
      `REVOKE CONNECT ON DATABASE ${q(LOCKED)} FROM PUBLIC`,
      `REVOKE CONNECT ON DATABASE ${q(LOCKED)} FROM ${q(n('revoked'))}`,
      `GRANT CONNECT ON DATABASE ${q(LOCKED)} TO ${q(n('collector'))}`,
    ])
      await admin.query(sql);
    await asSuperuser(DATA, async (c) => {
      await c.query('CREATE TABLE public.items (id int PRIMARY KEY, payload text NOT NULL)');
      await c.query(
        'INSERT INTO public.items SELECT g, repeat(md5(g::text), 6) FROM generate_series(1, $1::int) g',
        [ROWS],
      );
      await c.query('VACUUM ANALYZE public.items');
    });

    collector = adapterFor(n('collector'), passwords.collector);
    const { items, errors, databases } = await collector.permissionSnapshot();
    expect(errors).toEqual([]);
    snapshot = new Map(items.map((i) => [i.username, i]));
    covered = databases;
  });

  afterAll(async () => {
    await Promise.allSettled(adapters.map((a) => a.close()));
    if (!admin) return;
    for (const db of [DATA, LOCKED])
      await admin.query(`DROP DATABASE IF EXISTS ${q(db)} WITH (FORCE)`).catch(() => undefined);
    const { rows } = await admin.query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY rolname = $2`,
      [`${prefix}_`, n('group')], // members before the group they belong to
    );
    for (const { rolname } of rows) {
      await admin.query(`DROP OWNED BY ${q(rolname)}`).catch(() => undefined);
      await admin.query(`DROP ROLE IF EXISTS ${q(rolname)}`);
    }
    await admin.end();
  });

  /** The facts of a test role, with privileges.database narrowed to this suite's databases. */
  const factsOf = (r: TestRole): PermissionFacts => {
    const facts = snapshot.get(n(r))?.facts;
    if (!facts) throw new Error(`no permissions reported for ${n(r)}`);
    const database = Object.fromEntries(
      Object.entries(facts.privileges.database).filter(([db]) => db.startsWith(prefix)),
    );
    return { ...facts, privileges: { ...facts.privileges, database } };
  };
  const facts = (parts: Parameters<typeof makeFacts>[1]) => makeFacts('postgresql', parts);
  const ALL = ['CONNECT', 'CREATE', 'TEMPORARY'];
  const PUBLIC_ONLY = { [DATA]: ['CONNECT', 'TEMPORARY'], [LOCKED]: ['TEMPORARY'] };
  const MONITOR = ['pg_monitor', 'pg_read_all_settings', 'pg_read_all_stats', 'pg_stat_scan_tables'];

  it.each<[TestRole, PermissionFacts]>([
    [
      'super',
      facts({
        capabilities: {
          SUPERUSER: ['rolsuper = true'],
          GRANT_ADMIN: ['superuser (rolsuper = true)'],
        },
        global: ['LOGIN', 'SUPERUSER'],
        database: { [DATA]: ALL, [LOCKED]: ALL },
      }),
    ],
    [
      'admin',
      facts({
        capabilities: { GRANT_ADMIN: ['rolcreaterole = true'] },
        global: ['CREATEROLE', 'LOGIN'],
        database: { [DATA]: ALL, [LOCKED]: ['TEMPORARY'] },
      }),
    ],
    [
      'group',
      facts({
        capabilities: { LOCKED: ['rolcanlogin = false'] },
        roles: MONITOR,
        database: PUBLIC_ONLY,
      }),
    ],
    [
      'reader',
      facts({
        roles: [n('group'), ...MONITOR, 'pg_read_all_data'].sort(),
        global: ['LOGIN'],
        database: PUBLIC_ONLY,
      }),
    ],
    ['revoked', facts({ global: ['LOGIN'], database: PUBLIC_ONLY })],
    [
      'expired',
      facts({
        capabilities: { LOCKED: ['rolvaliduntil 2020-01-01 has passed'] },
        global: ['LOGIN'],
        database: PUBLIC_ONLY,
      }),
    ],
    [
      'collector',
      facts({
        global: ['LOGIN'],
        database: { [DATA]: ['CONNECT', 'TEMPORARY'], [LOCKED]: ['CONNECT', 'TEMPORARY'] },
      }),
    ],
    ['norights', facts({ global: ['LOGIN'], database: PUBLIC_ONLY })],
  ])('facts of the %s role', (r, expected) => {
    expect(factsOf(r)).toEqual(expected);
  });

  it('database privileges agree with has_database_privilege() as the server computes it', async () => {
    const { rows } = await admin.query<{ rolname: string; datname: string; p: string[] }>(
      `SELECT r.rolname, d.datname, array_remove(ARRAY[
         CASE WHEN has_database_privilege(r.oid, d.oid, 'CONNECT') THEN 'CONNECT' END,
         CASE WHEN has_database_privilege(r.oid, d.oid, 'CREATE') THEN 'CREATE' END,
         CASE WHEN has_database_privilege(r.oid, d.oid, 'TEMPORARY') THEN 'TEMPORARY' END], NULL) AS p
       FROM pg_roles r, pg_database d WHERE starts_with(r.rolname, $1) AND d.datname = ANY($2)`,
      [`${prefix}_`, [DATA, LOCKED]],
    );
    expect(rows).toHaveLength(ROLES.length * 2);
    for (const row of rows) {
      const held = snapshot.get(row.rolname)?.facts.privileges.database[row.datname] ?? [];
      expect({ role: row.rolname, db: row.datname, held }).toEqual({
        role: row.rolname,
        db: row.datname,
        held: row.p,
      });
    }
  });

  it('the snapshot names the databases its per-database privileges cover (a dropped one is then seen as gone)', () => {
    expect(covered).toEqual(expect.arrayContaining([DATA, LOCKED, 'postgres']));
    expect(covered).not.toContain('template1');
  });

  it('the snapshot says which memberships are direct and which come through another role', () => {
    const reader = snapshot.get(n('reader'))!.snapshot;
    expect(reader.version).toBe(4);
    expect(reader.categories.role_attributes).toMatchObject({ rolcanlogin: true, rolsuper: false });
    expect(reader.type_specific.memberships).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ role: n('group'), direct: true, via: null, admin_option: true }),
        expect.objectContaining({
          role: 'pg_monitor',
          direct: false,
          via: n('group'),
          inherits_privileges: true,
        }),
      ]),
    );
    const predefined = reader.categories.predefined_roles as { role: string }[];
    expect(predefined.map((m) => m.role)).toEqual([...MONITOR, 'pg_read_all_data'].sort());
    expect(reader.categories.database_privileges).toMatchObject({
      [LOCKED]: [{ privilege: 'TEMPORARY', via: 'PUBLIC' }],
    });
    expect(reader.meta.server_version).toMatch(/^\d+/);
  });

  it('lists accounts: group and login roles, not the pg_* roles; the bootstrap superuser is flagged', async () => {
    const { items, errors } = await collector.listAccounts();
    expect(errors).toEqual([]);
    expect(items.some((a) => a.username.startsWith('pg_'))).toBe(false);
    const ours = items.filter((a) => a.username.startsWith(`${prefix}_`));
    expect(
      ours.map((a) => [a.username.slice(prefix.length + 1), a.locked, a.isSystem, a.attributes.rolcanlogin]),
    ).toEqual([
      ['admin', false, false, true],
      ['collector', false, false, true],
      ['expired', true, false, true],
      ['group', true, false, false],
      ['norights', false, false, true],
      ['reader', false, false, true],
      ['revoked', false, false, true],
      ['super', false, false, true],
    ]);
    const { rows } = await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE oid = 10');
    expect(items.find((a) => a.username === rows[0]!.rolname)?.isSystem).toBe(true);
  });

  it('lists the databases one can connect to, without templates', async () => {
    const { items } = await collector.listDatabases();
    const names = items.map((d) => d.name);
    expect(names).toEqual(expect.arrayContaining([DATA, LOCKED, 'postgres']));
    expect(names).not.toContain('template0');
    expect(names).not.toContain('template1');
    expect(items.find((d) => d.name === 'postgres')?.isSystem).toBe(true);
    expect(items.find((d) => d.name === DATA)?.isSystem).toBe(false);
  });

  it('database sizes: within a few pages of pg_database_size as the superuser reads it, at least the raw bytes', async () => {
    const { items, errors } = await collector.databaseSizes();
    expect(errors.filter((e) => e.item.includes(prefix))).toEqual([]);
    const { rows } = await admin.query<{ datname: string; bytes: string }>(
      'SELECT datname, pg_database_size(datname)::text AS bytes FROM pg_database WHERE datname = ANY($1)',
      [[DATA, LOCKED]],
    );
    for (const row of rows) {
      const size = items.find((s) => s.databaseName === row.datname);
      expect(size, row.datname).toBeDefined();
      expect(Math.abs(size!.sizeMb - Number(row.bytes) / MB)).toBeLessThan((4 * PAGE) / MB);
      expect(size!.dataSizeMb).toBe(size!.sizeMb);
      expect(size!.logSizeMb).toBeNull();
    }
    expect(items.find((s) => s.databaseName === DATA)!.sizeMb).toBeGreaterThan((ROWS * PAYLOAD) / MB);
    expect(items.some((s) => s.databaseName.startsWith('template'))).toBe(false);
  });

  it('table sizes of one database: user tables only, sizes as the server reports them, row count', async () => {
    const { items, errors } = await collector.tableSizes(DATA);
    expect(errors).toEqual([]);
    expect(items.map((t) => `${t.schemaName}.${t.tableName}`)).toEqual(['public.items']);
    const [table] = items;
    const server = await asSuperuser(DATA, async (c) => {
      const { rows } = await c.query<{ total: string; data: string; idx: string }>(
        `SELECT pg_total_relation_size('public.items')::text AS total, pg_table_size('public.items')::text AS data,
           pg_indexes_size('public.items')::text AS idx`,
      );
      return rows[0]!;
    });
    expect(table).toEqual({
      schemaName: 'public',
      tableName: 'items',
      sizeMb: round3(Number(server.total) / MB),
      dataSizeMb: round3(Number(server.data) / MB),
      indexSizeMb: round3(Number(server.idx) / MB),
      rowCount: ROWS,
    });
    expect(table!.dataSizeMb!).toBeGreaterThan((ROWS * PAYLOAD) / MB);
    expect(Math.abs(table!.sizeMb - table!.dataSizeMb! - table!.indexSizeMb!)).toBeLessThanOrEqual(0.002);
  });

  it('a collector without CONNECT on a database: an ItemError for that database, everything else is there', async () => {
    const weak = adapterFor(n('norights'), passwords.norights);
    const sizes = await weak.databaseSizes();
    expect(sizes.errors.filter((e) => e.item.includes(prefix))).toEqual([
      {
        item: `database ${LOCKED} size`,
        code: 'PERMISSION_DENIED',
        message: expect.stringContaining('42501'),
      },
    ]);
    expect(sizes.items.map((s) => s.databaseName)).toContain(DATA);
    expect(sizes.items.map((s) => s.databaseName)).not.toContain(LOCKED);

    const tables = await weak.tableSizes(LOCKED);
    expect(tables.items).toEqual([]);
    expect(tables.errors).toEqual([
      { item: `database ${LOCKED} tables`, code: 'PERMISSION_DENIED', message: expect.any(String) },
    ]);
    expect((await weak.tableSizes(DATA)).items).toHaveLength(1);

    const perms = await weak.permissionSnapshot();
    expect(perms.errors).toEqual([]);
    expect(perms.items.find((p) => p.username === n('reader'))?.facts).toEqual(
      snapshot.get(n('reader'))?.facts,
    );
    expect((await weak.listDatabases()).items.map((d) => d.name)).toContain(LOCKED);
    expect((await weak.testConnection()).version).toMatch(/^\d+/);
  });
});
