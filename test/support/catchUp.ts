// Runs a projection runner until it has applied every event COMMITTED when the call began. A single
// runner.catchUp() can stop short: readers see an event only once no older transaction of the cluster is
// still open (docs/architecture.md), and other test files hold theirs open at the same time.
import type { Knex } from 'knex';
import { vi } from 'vitest';
import { comparePositions, type Position } from '../../src/domain/events/envelope.js';
import type { ProjectionRunner } from '../../src/projections/runner.js';

/** The position of the last committed event, visible to readers or not yet. */
export async function committedHead(knex: Knex): Promise<Position | undefined> {
  const row = (await knex('events')
    .select(knex.raw('transaction_id::text AS commit'), 'global_position')
    .orderBy([
      { column: 'transaction_id', order: 'desc' },
      { column: 'global_position', order: 'desc' },
    ])
    .first()) as { commit: string; global_position: string } | undefined;
  return row ? { commit: BigInt(row.commit), prepare: BigInt(row.global_position) } : undefined;
}

export async function catchUpToCommitted(runner: ProjectionRunner, knex: Knex, timeoutMs = 10_000) {
  const head = await committedHead(knex);
  if (!head) return;
  await vi.waitFor(
    async () => {
      await runner.catchUp();
      if (comparePositions(runner.status().checkpoint, head) < 0) throw new Error('not caught up yet');
    },
    { timeout: timeoutMs, interval: 20 },
  );
}
