// The monitored servers of the fleet (fleet.ts): the local MariaDB and PostgreSQL (BENCH_MYSQL_URL,
// BENCH_PG_URL), each with the least-privilege collector and the benchmark's own objects, everything named
// with the prefix wfb_<random>_ and dropped by the drop() each setUp pushes.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { DbType } from '../src/domain/engines/model.js';
import { createCollector } from '../test/support/mariadbCollector.js';
import { localServerPid, parentPid } from './cpuUsage.js';

export const MYSQL_URL = process.env.BENCH_MYSQL_URL || 'mysql://root@127.0.0.1:3306';
export const PG_URL = process.env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
/** Both monitored servers without their credentials, for the report. */
export const monitoredServers = [MYSQL_URL, PG_URL].map((u) => u.replace(/\/\/[^@/]*@/, '//')).join(' and ');

/** Instances per set from BENCH_INSTANCES (half MariaDB, half PostgreSQL, so even; at least 2). */
export const instancesPerSet = (fallback: number): number =>
  Math.max(2, 2 * Math.round((Number(process.env.BENCH_INSTANCES ?? fallback) || fallback) / 2));

/** Every object a benchmark creates on a monitored server starts with `${prefix}_`. */
export const prefix = `wfb_${randomBytes(3).toString('hex')}`;
export const collector = { user: `${prefix}_collector`, password: `Wfb-${randomBytes(9).toString('hex')}` };

/** The benchmark's own objects, created as the servers' admin account after the collector. */
export interface FleetObjects {
  mariadb(root: mysql.Connection): Promise<void>;
  postgresql(root: pg.Client): Promise<void>;
}

export interface Monitored {
  dbType: DbType;
  host: string;
  port: number;
  databaseName: string | null;
  /** The server's root process when it runs on this machine, for its CPU time (cpuUsage.ts). */
  pid: number | undefined;
}

const isLocal = (host: string) => ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(host);

async function mariadbPid(root: mysql.Connection): Promise<number | undefined> {
  const [[row]] = await root.query<mysql.RowDataPacket[]>('SELECT @@pid_file AS file');
  const text = await fs.readFile(String(row?.file), 'utf8').catch(() => '');
  return Number.parseInt(text, 10) || localServerPid('mariadbd', 'mysqld');
}

async function postmasterPid(root: pg.Client): Promise<number | undefined> {
  const { rows } = await root.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  return rows[0] ? parentPid(rows[0].pid, 'postgres') : undefined;
}

// Each setUp pushes, before it creates anything, a drop() that removes every account, role and
// database with our prefix (safe to call more than once); a setUp that fails calls it itself.

export async function setUpMariadb(
  objects: FleetObjects,
  drops: (() => Promise<void>)[],
): Promise<Monitored> {
  const url = new URL(MYSQL_URL);
  const root = await mysql.createConnection({ uri: MYSQL_URL });
  const ours = (column: string) => `LEFT(${column}, ${prefix.length + 1}) = '${prefix}_'`;
  let dropping: Promise<void> | undefined;
  const drop = () =>
    (dropping ??= (async () => {
      const [accounts] = await root.query<mysql.RowDataPacket[]>(
        `SELECT User AS user, Host AS host, JSON_VALUE(Priv, '$.is_role') AS is_role
           FROM mysql.global_priv WHERE ${ours('User')}`,
      );
      for (const r of accounts) {
        const isRole = ['1', 'true'].includes(String(r.is_role).toLowerCase());
        if (isRole) await root.query('DROP ROLE IF EXISTS ?', [r.user]);
        else await root.query('DROP USER IF EXISTS ?@?', [r.user, r.host]);
      }
      const [databases] = await root.query<mysql.RowDataPacket[]>(
        `SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE ${ours('SCHEMA_NAME')}`,
      );
      for (const d of databases) await root.query(`DROP DATABASE IF EXISTS \`${String(d.name)}\``);
      await root.end();
    })());
  drops.push(drop);
  try {
    await createCollector(root, collector.user, collector.password);
    await objects.mariadb(root);
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
  return {
    dbType: 'mysql',
    host: url.hostname,
    port: Number(url.port || 3306),
    databaseName: null,
    pid: isLocal(url.hostname) ? await mariadbPid(root) : undefined,
  };
}

export async function setUpPostgresql(
  objects: FleetObjects,
  drops: (() => Promise<void>)[],
): Promise<Monitored> {
  const url = new URL(PG_URL);
  const root = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 10_000 });
  root.on('error', () => undefined);
  await root.connect();
  const ours = [`${prefix}_`];
  let dropping: Promise<void> | undefined;
  const drop = () =>
    (dropping ??= (async () => {
      // The databases first: their ACLs mention our roles, which cannot be dropped while they do.
      const databases = await root.query<{ name: string }>(
        'SELECT datname AS name FROM pg_database WHERE starts_with(datname, $1) ORDER BY 1',
        ours,
      );
      for (const d of databases.rows)
        await root.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(d.name)} WITH (FORCE)`);
      const roles = await root.query<{ name: string }>(
        'SELECT rolname AS name FROM pg_roles WHERE starts_with(rolname, $1) ORDER BY 1',
        ours,
      );
      for (const r of roles.rows) await root.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(r.name)}`);
      await root.end();
    })());
  drops.push(drop);
  try {
    // docs/engines.md: pg_read_all_stats lets databaseSizes read every database.
    const user = pg.escapeIdentifier(collector.user);
    await root.query(`CREATE ROLE ${user} LOGIN PASSWORD ${pg.escapeLiteral(collector.password)}`);
    await root.query(`GRANT pg_read_all_stats TO ${user}`);
    await objects.postgresql(root);
  } catch (err) {
    await drop().catch(() => undefined);
    throw err;
  }
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return {
    dbType: 'postgresql',
    host: url.hostname,
    port: Number(url.port || 5432),
    databaseName: name && name !== 'postgres' ? name : null,
    pid: isLocal(url.hostname) ? await postmasterPid(root) : undefined,
  };
}
