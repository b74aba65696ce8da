// The daemon's read-your-writes wait: a timeout says the change is recorded and the read tables are behind.
import type { Knex } from 'knex';
import { describe, expect, it } from 'vitest';
import type { EventStore } from '../adapters/eventStore/port.js';
import { AppError } from '../domain/errors.js';
import { createLogger } from '../logger.js';
import { ProjectionDaemon } from './daemon.js';

describe('ProjectionDaemon.waitForPosition', () => {
  it('times out as READ_TABLES_BEHIND (503, not to be repeated) naming the position, not an internal error', async () => {
    // Never started: its runners never reach the position, as when the projections are far behind.
    const daemon = new ProjectionDaemon({
      projections: [{ name: 'p', tables: [], eventTypes: '*', apply: async () => {} }],
      store: {} as EventStore,
      knex: {} as Knex,
      logger: createLogger({ level: 'silent' }),
    });
    const err = await daemon.waitForPosition({ commit: 7n, prepare: 3n }, 20).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({
      code: 'READ_TABLES_BEHIND',
      status: 503,
      recoverable: false,
      context: { position: expect.stringContaining('7') },
    });
    expect(((err as AppError).cause as Error).message).toMatch(/projection p did not reach/);
  });
});
