// What a running session's record events cost the sync_sessions projection when they come one batch
// each (a collection at concurrency 1 wakes the runner for every append): the statements its apply sends,
// counted at the pg driver, and the tables still equal to a rebuild.
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { appendInOrder } from '../../../test/support/appendInOrder.js';
import { sessionStream } from '../../domain/sessions/events.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { testMetadata } from '../../../test/support/eventFactory.js';
import { sessionCommands } from '../../../test/support/sessionCommands.js';
import type { Projection } from '../projection.js';
import { syncSessionsProjection } from './projection.js';

const INSTANCES = 4;
const statementsOf = new Map<string, number>();

/** The projection, counting the statements each apply sends, by the type of its batch's last event. */
const counted: Projection = {
  ...syncSessionsProjection,
  apply: async (ctx, events) => {
    const spy = vi.spyOn(pg.Client.prototype, 'query');
    try {
      await syncSessionsProjection.apply(ctx, events);
      const type = events.at(-1)!.type;
      statementsOf.set(type, (statementsOf.get(type) ?? 0) + spy.mock.calls.length);
    } finally {
      spy.mockRestore();
    }
  },
};

describe('sync_sessions projection, one record event per batch', () => {
  const spec = projectionSpec(counted);

  it('reads and writes the records, not the session row, and equals a rebuild', async () => {
    const sessionId = randomUUID();
    const instances = Array.from({ length: INSTANCES }, (_, i) => ({
      instanceId: randomUUID(),
      instanceName: `db-${i}`,
    }));
    const runner = spec.runner({ batchSize: 1 });
    const append = appendInOrder(spec.store);
    let minute = 0;
    const session = sessionCommands(
      () =>
        testMetadata({
          occurredAt: `2026-11-20T10:${String(minute++).padStart(2, '0')}:00.000001Z`,
          sessionId,
        }),
      async (events) => {
        await append(sessionStream(sessionId), events);
        await spec.catchUp(runner);
      },
    );
    await session.start(sessionId, instances);
    statementsOf.clear();
    for (const [n, { instanceId }] of instances.entries()) {
      await session.startRecord(sessionId, instanceId);
      await session.complete(sessionId, instanceId, n);
      const row = await spec.db.knex('sync_sessions').where({ session_id: sessionId }).first();
      expect(row).toMatchObject({
        status: n + 1 < INSTANCES ? 'running' : 'completed', // the last completion ends the session
        successful_instances: n + 1,
        failed_instances: 0,
      });
    }
    const perInstance = (type: string) => (statementsOf.get(type) ?? 0) / INSTANCES;
    process.stdout.write(
      `statements per instance: InstanceSyncStarted ${perInstance('InstanceSyncStarted')}, InstanceSyncCompleted ${perInstance('InstanceSyncCompleted')}\n`,
    );
    // Before: both loaded the session row and wrote it back whole, 4 statements each (SELECT session,
    // SELECT record, upsert session, upsert record).
    expect(perInstance('InstanceSyncStarted')).toBe(2); // SELECT record, upsert record
    expect(perInstance('InstanceSyncCompleted')).toBe(3); // and the counters' UPDATE
    await spec.expectRebuildMatchesLive();
  });
});
