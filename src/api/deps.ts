// What route handlers may use.
import type { Knex } from 'knex';
import type pg from 'pg';
import type { BackgroundTasks } from '../commands/sync/backgroundTasks.js';
import type { ProcessSessions } from '../commands/sync/processSessions.js';
import type { TokenService } from '../adapters/auth/tokens.js';
import type { EventStore } from '../adapters/eventStore/port.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ProjectionDaemon } from '../projections/daemon.js';
import type { KeyringHandle } from '../runtime.js';
import type { Csrf } from './middleware/csrf.js';

export interface ApiDeps {
  config: Config;
  logger: Logger;
  knex: Knex;
  pool: pg.Pool;
  tasks: BackgroundTasks;
  /** This process's sync runs and heartbeat (runs name it as their owner). */
  sessions: ProcessSessions;
  store: EventStore;
  tokens: TokenService;
  projections: ProjectionDaemon;
  csrf: Csrf;
  keyring: KeyringHandle;
  version: string;
}
