// What the routes that run sync sessions (or retry their records) hand to the session runner.
import type { SessionRunDeps } from '../../commands/sync/runSession.js';
import type { ApiDeps } from '../deps.js';

export const sessionRunDeps = (
  deps: Pick<ApiDeps, 'knex' | 'pool' | 'store' | 'keyring' | 'logger' | 'sessions'>,
): SessionRunDeps => ({
  knex: deps.knex,
  pool: deps.pool,
  store: deps.store,
  keyring: deps.keyring.current,
  reloadKeyring: deps.keyring.reload,
  logger: deps.logger,
  sessions: deps.sessions,
});
