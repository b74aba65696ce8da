// Finds or starts the servers for int and e2e tests, once per run.
// PostgreSQL: TEST_DATABASE_URL, or an embedded PostgreSQL in a temp directory (always available).
// MariaDB/MySQL: TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306); PostgreSQL as a monitored instance:
// TEST_PG_MONITORED_URL (default postgres://postgres@127.0.0.1:5432/postgres). With CI=true a missing
// server fails the run; otherwise the suites that need it are skipped with the reason.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/adapters/db/embeddedPostgres.js';
import { createLogger } from '../../src/logger.js';
import { freePort } from './net.js';
import type { ServiceStatus } from './services.js';

const inCi = process.env.CI === 'true' || process.env.CI === '1';

async function probePostgres(url: string, what = 'TEST_DATABASE_URL'): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (err) {
    return `PostgreSQL at ${what} is unreachable: ${(err as Error).message}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function probeMysql(url: string): Promise<string | undefined> {
  try {
    const conn = await mysql.createConnection({ uri: url, connectTimeout: 5000 });
    await conn.query('SELECT 1');
    await conn.end();
    return undefined;
  } catch (err) {
    return `MariaDB/MySQL at ${url.replace(/\/\/[^@]*@/, '//***@')} is unreachable: ${(err as Error).message}`;
  }
}

let embedded: EmbeddedPostgres | undefined;
let embeddedDir: string | undefined;
let users = 0;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  users++;
  let postgres: ServiceStatus;
  const pgUrl = process.env.TEST_DATABASE_URL;
  if (pgUrl) {
    const reason = await probePostgres(pgUrl);
    if (reason) throw new Error(reason); // an explicitly configured server must work, in CI or not
    postgres = { url: pgUrl, reason: undefined };
  } else {
    if (!embedded) {
      embeddedDir = await fs.mkdtemp(path.join(os.tmpdir(), 'whalefall-test-'));
      embedded = await startEmbeddedPostgres({
        dataDir: embeddedDir,
        port: await freePort(),
        logger: createLogger({ level: 'warn', pretty: false }),
        ephemeral: true,
      });
    }
    postgres = { url: embedded.connectionString, reason: undefined };
  }

  const mysqlUrl = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql';
  const mysqlReason = await probeMysql(mysqlUrl);
  if (mysqlReason && inCi) throw new Error(`CI=true and ${mysqlReason}`);
  const mysqlStatus: ServiceStatus = mysqlReason
    ? { url: undefined, reason: mysqlReason }
    : { url: mysqlUrl, reason: undefined };

  const monitoredUrl = process.env.TEST_PG_MONITORED_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const monitoredReason = await probePostgres(monitoredUrl, monitoredUrl.replace(/\/\/[^@]*@/, '//***@'));
  if (monitoredReason && inCi) throw new Error(`CI=true and ${monitoredReason}`);

  project.provide('postgres', postgres);
  project.provide('mysql', mysqlStatus);
  project.provide('postgresMonitored', {
    url: monitoredReason ? undefined : monitoredUrl,
    reason: monitoredReason,
  });

  return async () => {
    if (--users > 0) return;
    await embedded?.stop();
    embedded = undefined;
    if (embeddedDir) await fs.rm(embeddedDir, { recursive: true, force: true });
  };
}
