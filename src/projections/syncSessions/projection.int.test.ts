// The sync_sessions tables between the steps of test/support/syncSessionsScenario.ts; its queries'
// answers at the end are in queries.int.test.ts.
import { describe, expect, it } from 'vitest';
import { syncSessionsProjection } from './projection.js';
import { getSession, sessionErrorLogs } from './queries.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { alice, s1Completed, syncSessionsScenario } from '../../../test/support/syncSessionsScenario.js';

describe('sync_sessions projection', () => {
  const spec = projectionSpec(syncSessionsProjection);

  it('follows sessions through failure, retry, cancel; equals a rebuild', async () => {
    // Small batches: rows are loaded back and rewritten across batch boundaries.
    const runner = spec.runner({ batchSize: 3 });
    const { sessions, instances, steps } = syncSessionsScenario(spec);
    const { s1, s2, s4 } = sessions;
    const { a, b, c, d, e, g } = instances;
    const session = async (id: string) => (await getSession(spec.db.knex, id))!;
    const record = async (sessionId: string, instanceId: string) =>
      (await session(sessionId)).records.find((r) => r.instance_id === instanceId)!;
    const startedAtOfS1 = async () =>
      (
        (
          await spec.db.knex.raw<{ rows: { same: boolean }[] }>(
            `SELECT started_at = '2026-11-20T10:00:00.000001Z'::timestamptz AS same FROM sync_sessions WHERE session_id = ?`,
            [s1],
          )
        ).rows as [{ same: boolean }]
      )[0].same;

    expect(await steps.s4FailsToConnect()).toEqual(['InstanceSyncFailed', 'SessionCompleted']);

    await steps.s1Starts();
    await spec.catchUp(runner);
    expect(await session(s1)).toMatchObject({
      status: 'running',
      total_instances: 3,
      successful_instances: 0,
      created_by: alice.id,
    });
    expect(await record(s1, a)).toMatchObject({
      status: 'running',
      attempts: 1,
      started_at: '2026-11-20T10:00:01.000Z',
      lease_expires_at: '2026-11-20T10:01:01.000Z',
    });
    expect(await record(s1, c)).toMatchObject({ status: 'pending', attempts: 0, started_at: null });

    expect(await steps.s1Ends()).toEqual(['InstanceSyncSkipped', 'SessionCompleted']);
    await spec.catchUp(runner);
    expect(await session(s1)).toMatchObject({
      status: 'partial',
      completed_at: '2026-11-20T10:00:13.000Z',
      total_instances: 3,
      successful_instances: 1,
      failed_instances: 1,
      skipped_instances: 1,
      abandoned_instances: 0,
    });
    expect(await record(s1, b)).toMatchObject({
      status: 'failed',
      phase: 'permissions',
      error_code: 'DATABASE_TIMEOUT',
      error_message: 'the grants query timed out',
      completed_at: '2026-11-20T10:00:12.000Z',
      lease_expires_at: null,
    });
    expect(await record(s1, c)).toMatchObject({ status: 'skipped', error_message: 'instance is inactive' });
    expect((await sessionErrorLogs(spec.db.knex, s1)).map((r) => r.instance_name)).toEqual(['db-b']);

    expect(await steps.s1RetriesB()).toEqual(['InstanceSyncRetried', 'InstanceSyncStarted']);
    await spec.catchUp(runner);
    expect(await session(s1)).toMatchObject({
      status: 'running',
      completed_at: null,
      successful_instances: 1,
      failed_instances: 0,
      skipped_instances: 1,
    });
    expect(await record(s1, b)).toMatchObject({
      status: 'running',
      attempts: 2,
      phase: 'permissions',
      started_at: '2026-11-20T10:05:00.000Z',
      completed_at: null,
      lease_expires_at: '2026-11-20T10:06:00.000Z',
    });

    expect(await steps.s1RetryCompletes()).toEqual(['InstanceSyncCompleted', 'SessionCompleted']);
    await spec.catchUp(runner);
    expect(await session(s1)).toMatchObject(s1Completed);
    expect(await record(s1, b)).toMatchObject({
      status: 'completed',
      attempts: 2,
      phase: 'permissions',
      items_synced: 3,
      items_updated: 1,
      error_code: null,
      error_message: null,
      completed_at: '2026-11-20T10:05:30.000Z',
      lease_expires_at: null,
      sync_details: {
        privilegesModified: 1,
        compensations: [
          { action: 'retry_permissions', detail: 'inventory kept', at: '2026-11-20T10:04:00.000Z' },
        ],
      },
    });
    expect(await sessionErrorLogs(spec.db.knex, s1)).toEqual([]);
    expect(await startedAtOfS1()).toBe(true);

    expect(await steps.s2Cancelled()).toEqual([
      'InstanceSyncAbandoned',
      'InstanceSyncAbandoned',
      'SessionCancelled',
    ]);
    await steps.s3Runs();
    await spec.catchUp(runner);
    expect(await session(s2)).toMatchObject({
      status: 'cancelled',
      sync_category: 'capacity',
      sync_type: 'scheduled_task',
      created_by: 'nightly-capacity',
      completed_at: '2026-11-21T02:00:30.000Z',
      total_instances: 2,
      successful_instances: 0,
      abandoned_instances: 2,
    });
    const abandoned = { status: 'abandoned', phase: null, error_code: null };
    const cancelled = {
      error_message: 'session cancelled: operator stop',
      completed_at: '2026-11-21T02:00:30.000Z',
    };
    expect(await sessionErrorLogs(spec.db.knex, s2)).toEqual([
      { session_id: s2, instance_id: d, instance_name: 'db-d', ...abandoned, ...cancelled, attempts: 1 },
      { session_id: s2, instance_id: e, instance_name: 'db-e', ...abandoned, ...cancelled, attempts: 0 },
    ]);
    expect(await session(s4)).toMatchObject({
      status: 'failed',
      total_instances: 1,
      failed_instances: 1,
      completed_at: '2026-11-19T08:00:05.000Z',
    });
    expect(await sessionErrorLogs(spec.db.knex, s4)).toEqual([
      expect.objectContaining({
        instance_id: g,
        status: 'failed',
        phase: 'connect',
        error_code: 'DATABASE_CONNECTION_ERROR',
        error_message: 'connect ECONNREFUSED 10.0.0.7:3306',
      }),
    ]);

    await spec.expectRebuildMatchesLive();
    expect(await startedAtOfS1()).toBe(true);
  });
});
