// Which store a CLI command reads and writes, said before it opens it; and the refusal to create a new,
// empty one: a command run with a mistyped WHALEFALL_DATA_DIR or DATABASE_URL would otherwise answer
// "0/0 ended, completed" from a database it just made. Only `serve` and `migrate` create a store.
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config.js';
import { scrubText } from '../logger.js';
import { CliError } from './cliError.js';
import { errorMessage } from '../domain/errors.js';

export const embeddedPgDir = (config: Pick<Config, 'dataDir'>): string => path.join(config.dataDir, 'pg');

/** The store in words, without its password. */
export const describeStore = (config: Pick<Config, 'databaseUrl' | 'dataDir'>): string =>
  config.databaseUrl
    ? `DATABASE_URL ${scrubText(config.databaseUrl)}`
    : `the embedded PostgreSQL in ${embeddedPgDir(config)} (WHALEFALL_DATA_DIR ${config.dataDir})`;

const howToCreate =
  'start `whalefall serve` once (or run `whalefall migrate`) to create it, or point DATABASE_URL / WHALEFALL_DATA_DIR at the existing one';

/** Throws a CliError unless the store exists and holds whalefall's schema. */
export async function assertStoreExists(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<void> {
  if (!config.databaseUrl) {
    // initdb writes PG_VERSION: without it the directory holds no database yet.
    if (!existsSync(path.join(embeddedPgDir(config), 'PG_VERSION')))
      throw new CliError(`no whalefall store in ${embeddedPgDir(config)}: ${howToCreate}`);
    return;
  }
  const client = new pg.Client({ connectionString: config.databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ ok: boolean }>(
      "SELECT to_regclass('knex_migrations') IS NOT NULL AS ok",
    );
    if (!rows[0]?.ok) throw new CliError(`${describeStore(config)} holds no whalefall store: ${howToCreate}`);
  } catch (err) {
    if (err instanceof CliError) throw err;
    const reason = scrubText(errorMessage(err));
    throw new CliError(`cannot open ${describeStore(config)}: ${reason}`, 1);
  } finally {
    await client.end().catch(() => undefined);
  }
}
