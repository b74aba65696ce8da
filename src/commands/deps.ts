// What command handlers may use. Each handler takes only the part it needs (Pick<CommandDeps, ...>).
import type { Knex } from 'knex';
import type { TokenService } from '../adapters/auth/tokens.js';
import type { EventStore } from '../adapters/eventStore/port.js';
import type { Logger } from '../logger.js';

export interface CommandDeps {
  knex: Knex;
  store: EventStore;
  tokens: TokenService;
  logger: Logger;
}
