// Shared setup for benchmarks: a fresh, migrated database and a small table printer.
// BENCH_DATABASE_URL: a server to use (a database wf_bench_<random> is created on it and dropped at
// the end). Otherwise an embedded PostgreSQL is started in a temp directory and removed at the end.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/adapters/db/embeddedPostgres.js';
import { createKnex, migrateLatest } from '../src/adapters/db/knex.js';
import { createPgPool } from '../src/adapters/db/pgPool.js';
import { createLogger } from '../src/logger.js';
import { freePort, withDatabase } from '../test/support/net.js';
import { STORE_KNEX_APP, STORE_POOL_APP } from './pgBackendCpu.js';

/** What `npm run bench -- <name> [args...]` hands to a benchmark's run(). */
export interface BenchContext {
  /** The arguments after the benchmark's name. */
  args: string[];
}

export interface BenchDatabase {
  url: string;
  knex: Knex;
  /** The pool for the code under test and its baseline (max 16 connections unless opened with poolMax). */
  pool: pg.Pool;
  /** "PostgreSQL 17.x, fsync=on, synchronous_commit=on, ..." for the report. */
  server: string;
  close(): Promise<void>;
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function describeServer(pool: pg.Pool): Promise<string> {
  const { rows } = await pool.query<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings
     WHERE name IN ('server_version', 'fsync', 'synchronous_commit', 'full_page_writes', 'wal_sync_method')
     ORDER BY name = 'server_version' DESC, name`,
  );
  const [version, ...settings] = rows;
  const off = settings.filter((r) => ['fsync', 'synchronous_commit'].includes(r.name) && r.setting === 'off');
  const warning =
    off.length > 0 ? ' -- WARNING: commits are not durable here, figures are not comparable' : '';
  return `PostgreSQL ${version?.setting ?? '?'}, ${settings.map((r) => `${r.name}=${r.setting}`).join(', ')}${warning}`;
}

/** A fresh database with all migrations run. Call close() at the end, also on failure. */
export async function openBenchDatabase(options: { poolMax?: number } = {}): Promise<BenchDatabase> {
  const database = `wf_bench_${randomBytes(6).toString('hex')}`;
  let embedded: EmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  if (!process.env.BENCH_DATABASE_URL) {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'whalefall-bench-'));
    // ephemeral: false keeps fsync and synchronous_commit on: benchmarks must measure durable commits,
    // since the cost of a commit (WAL flush) is a large part of what an append costs.
    embedded = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      logger: createLogger({ level: 'warn', pretty: false }),
      ephemeral: false,
    });
  }
  const serverUrl = process.env.BENCH_DATABASE_URL || embedded!.connectionString;
  const stopServer = async () => {
    await embedded?.stop();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  };

  let knex: Knex | undefined;
  let pool: pg.Pool | undefined;
  let created = false;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await knex?.destroy();
      await pool?.end();
      if (created) await adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await stopServer();
    })());
  // Ctrl-C must not leave an embedded server running or a database behind.
  const onSignal = () => {
    process.stderr.write('\ninterrupted, cleaning up...\n');
    void close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    await adminQuery(serverUrl, `CREATE DATABASE ${database}`);
    created = true;
    const url = withDatabase(serverUrl, database);
    // Named apart, so that the PostgreSQL CPU split (pgBackendCpu.ts) tells the two apart.
    knex = createKnex(url, { max: 2 }, undefined, STORE_KNEX_APP);
    await migrateLatest(knex);
    pool = createPgPool(url, { max: options.poolMax ?? 16, applicationName: STORE_POOL_APP });
    const server = await describeServer(pool);
    return {
      url,
      knex,
      pool,
      server,
      close: async () => {
        process.removeListener('SIGINT', onSignal);
        process.removeListener('SIGTERM', onSignal);
        await close();
      },
    };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}

export interface ReportRow {
  case: string;
  rowsPerSec: number;
  baselineRowsPerSec: number;
  /** Minimum ratio in percent of the baseline; omitted for cases measured for information only. */
  targetPercent?: number;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Prints rows as an aligned table with the machine it ran on; returns whether every target was met. */
export function report(
  title: string,
  rows: readonly ReportRow[],
  info: {
    server: string;
    notes?: string[];
    /** Targets that are not a ratio of rows/s, printed under the table and counted in the summary. */
    checks?: { text: string; met: boolean }[];
    /** Targets whose lines the caller prints below the report (each says PASS or MISS): counted in the summary. */
    below?: readonly boolean[];
  },
): boolean {
  const header = ['case', 'rows/s', 'baseline rows/s', 'ratio %', 'target'];
  let allMet = true;
  const cells = rows.map((r) => {
    const ratio = (100 * r.rowsPerSec) / r.baselineRowsPerSec;
    let target = '(info)';
    if (r.targetPercent !== undefined) {
      const met = ratio >= r.targetPercent;
      allMet &&= met;
      target = `>= ${r.targetPercent} %  ${met ? 'PASS' : 'MISS'}`;
    }
    return [r.case, fmt(r.rowsPerSec), fmt(r.baselineRowsPerSec), ratio.toFixed(1), target];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  // The case name and the target are left-aligned, the numbers right-aligned.
  const line = (c: string[]) =>
    c.map((v, i) => (i === 0 || i === 4 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('   ');
  const checks = info.checks ?? [];
  allMet &&= checks.every((c) => c.met);
  const below = info.below ?? [];
  allMet &&= below.every(Boolean);
  const andBelow = below.length > 0 ? ', here and below' : '';
  const cpus = os.cpus();
  const out = [
    '',
    title,
    `machine: ${os.availableParallelism()} cores (${cpus[0]?.model.trim() ?? 'unknown cpu'}), ` +
      `Node ${process.version}, ${info.server}`,
    ...(info.notes ?? []),
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
    ...checks.map((c) => `${c.text} ${c.met ? 'PASS' : 'MISS'}`),
    '',
    allMet
      ? `summary: PASS (every target met${andBelow})`
      : `summary: MISS (see the rows marked MISS${andBelow}; targets, not assertions)`,
    '',
  ];
  process.stdout.write(out.map((l) => l.trimEnd()).join('\n') + '\n');
  return allMet;
}
