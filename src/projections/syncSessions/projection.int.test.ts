import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EventStore } from '../../adapters/eventStore/port.js';
import type { Actor } from '../../domain/events/envelope.js';
import {
  decide,
  evolve,
  initialState,
  type SessionCommand,
  type SessionEvent,
  type SessionState,
} from '../../domain/sessions/decider.js';
import { sessionStream } from '../../domain/sessions/events.js';
import { testMetadata } from '../../../test/support/eventFactory.js';
import { syncSessionsProjection } from './projection.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { expiredRunningRecords, getSession, listSessions, sessionErrorLogs } from './queries.js';

const alice: Actor = { kind: 'user', id: randomUUID() };
const scheduler: Actor = { kind: 'scheduler', id: 'nightly-capacity' };
const LEASE_MS = 60_000;

/** Appends session events as the session executor does, with a chosen time and actor. */
async function append(
  store: EventStore,
  sessionId: string,
  events: SessionEvent[],
  at: string,
  actor: Actor,
) {
  await store.append(
    sessionStream(sessionId),
    events.map((e) => ({
      eventId: randomUUID(),
      type: e.type,
      schemaVersion: 1,
      data: e.data,
      metadata: testMetadata({
        actor,
        occurredAt: at,
        sessionId,
        ...('instanceId' in e.data ? { instanceId: e.data.instanceId } : {}),
      }),
    })),
    { expectedRevision: 'any' },
  );
}

/** Decides a command against the stored session (the real decider) and appends what it decides. */
async function exec(store: EventStore, command: SessionCommand, at: string, actor: Actor = alice) {
  const history = await store.readStream(sessionStream(command.sessionId));
  const state = history.reduce<SessionState>(
    (s, e) => evolve(s, e as unknown as SessionEvent),
    initialState(),
  );
  const events = decide(command, state);
  await append(store, command.sessionId, events, at, actor);
  return events.map((e) => e.type);
}

const start = (sessionId: string, instanceId: string, at: string) =>
  ({ type: 'StartRecord', sessionId, instanceId, now: new Date(at), leaseMs: LEASE_MS }) as const;

describe('sync_sessions projection', () => {
  const spec = projectionSpec(syncSessionsProjection);

  it('follows sessions through failure, retry, cancel; answers the queries; equals a rebuild', async () => {
    // Small batches: rows are loaded back and rewritten across batch boundaries.
    const runner = spec.runner({ batchSize: 3 });
    const { store } = spec;
    const session = async (id: string) => (await getSession(spec.db.knex, id))!;
    const record = async (sessionId: string, instanceId: string) =>
      (await session(sessionId)).records.find((r) => r.instance_id === instanceId)!;

    // S4: one instance, fails to connect -> the session fails.
    const s4 = randomUUID();
    const g = randomUUID();
    await exec(
      store,
      {
        type: 'StartSession',
        sessionId: s4,
        category: 'account',
        syncType: 'manual_single',
        instances: [{ instanceId: g, instanceName: 'db-g' }],
      },
      '2026-11-19T08:00:00.000Z',
    );
    await exec(spec.store, start(s4, g, '2026-11-19T08:00:01.000Z'), '2026-11-19T08:00:01.000Z');
    expect(
      await exec(
        store,
        {
          type: 'FailRecord',
          sessionId: s4,
          instanceId: g,
          phase: 'connect',
          messageCode: 'DATABASE_CONNECTION_ERROR',
          message: 'connect ECONNREFUSED 10.0.0.7:3306',
        },
        '2026-11-19T08:00:05.000Z',
      ),
    ).toEqual(['InstanceSyncFailed', 'SessionCompleted']);

    // S1: three instances: one completes, one fails in the permissions phase, one is skipped.
    const s1 = randomUUID();
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    await exec(
      store,
      {
        type: 'StartSession',
        sessionId: s1,
        category: 'account',
        syncType: 'manual_batch',
        instances: [
          { instanceId: c, instanceName: 'db-c' },
          { instanceId: a, instanceName: 'db-a' },
          { instanceId: b, instanceName: 'db-b' },
        ],
      },
      // microseconds: kept when the row is rewritten by a later batch
      '2026-11-20T10:00:00.000001Z',
    );
    await exec(spec.store, start(s1, a, '2026-11-20T10:00:01.000Z'), '2026-11-20T10:00:01.000Z');
    await exec(spec.store, start(s1, b, '2026-11-20T10:00:02.000Z'), '2026-11-20T10:00:02.000Z');

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

    await exec(
      store,
      {
        type: 'CompleteRecord',
        sessionId: s1,
        instanceId: a,
        itemsSynced: 5,
        itemsCreated: 1,
        itemsUpdated: 2,
        itemsDeleted: 0,
        details: { added: ['app@%'], changed: [], deactivated: [], reactivated: [] },
      },
      '2026-11-20T10:00:10.000Z',
    );
    await exec(
      store,
      {
        type: 'FailRecord',
        sessionId: s1,
        instanceId: b,
        phase: 'permissions',
        messageCode: 'DATABASE_TIMEOUT',
        message: 'the grants query timed out',
      },
      '2026-11-20T10:00:12.000Z',
    );
    expect(
      await exec(
        store,
        { type: 'SkipRecord', sessionId: s1, instanceId: c, reason: 'instance is inactive' },
        '2026-11-20T10:00:13.000Z',
      ),
    ).toEqual(['InstanceSyncSkipped', 'SessionCompleted']);

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

    // A compensation, then a retry of B reopens the session.
    await append(
      store,
      s1,
      [
        {
          type: 'CompensationApplied',
          data: { sessionId: s1, instanceId: b, action: 'retry_permissions', detail: 'inventory kept' },
        },
      ],
      '2026-11-20T10:04:00.000Z',
      alice,
    );
    expect(
      await exec(
        store,
        {
          type: 'RetryRecord',
          sessionId: s1,
          instanceId: b,
          phase: 'permissions',
          now: new Date('2026-11-20T10:05:00.000Z'),
          leaseMs: LEASE_MS,
        },
        '2026-11-20T10:05:00.000Z',
      ),
    ).toEqual(['InstanceSyncRetried', 'InstanceSyncStarted']);

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

    expect(
      await exec(
        store,
        {
          type: 'CompleteRecord',
          sessionId: s1,
          instanceId: b,
          itemsSynced: 3,
          itemsCreated: 0,
          itemsUpdated: 1,
          itemsDeleted: 0,
          details: { privilegesModified: 1 },
        },
        '2026-11-20T10:05:30.000Z',
      ),
    ).toEqual(['InstanceSyncCompleted', 'SessionCompleted']);

    await spec.catchUp(runner);
    // The second SessionCompleted wins.
    expect(await session(s1)).toMatchObject({
      status: 'completed',
      started_at: '2026-11-20T10:00:00.000Z',
      completed_at: '2026-11-20T10:05:30.000Z',
      total_instances: 3,
      successful_instances: 2,
      failed_instances: 0,
      skipped_instances: 1,
      abandoned_instances: 0,
    });
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
    const [{ same }] = (
      await spec.db.knex.raw<{ rows: { same: boolean }[] }>(
        `SELECT started_at = '2026-11-20T10:00:00.000001Z'::timestamptz AS same FROM sync_sessions WHERE session_id = ?`,
        [s1],
      )
    ).rows as [{ same: boolean }];
    expect(same).toBe(true);

    // S2: scheduled, cancelled while one record runs and one waits: both are abandoned.
    const s2 = randomUUID();
    const [d, e] = [randomUUID(), randomUUID()];
    await exec(
      store,
      {
        type: 'StartSession',
        sessionId: s2,
        category: 'capacity',
        syncType: 'scheduled_task',
        instances: [
          { instanceId: d, instanceName: 'db-d' },
          { instanceId: e, instanceName: 'db-e' },
        ],
      },
      '2026-11-21T02:00:00.000Z',
      scheduler,
    );
    await exec(spec.store, start(s2, d, '2026-11-21T02:00:01.000Z'), '2026-11-21T02:00:01.000Z', scheduler);
    expect(
      await exec(
        store,
        { type: 'CancelSession', sessionId: s2, reason: 'operator stop' },
        '2026-11-21T02:00:30.000Z',
      ),
    ).toEqual(['InstanceSyncAbandoned', 'InstanceSyncAbandoned', 'SessionCancelled']);

    // S3: still running; its lease runs out at 09:01:01.
    const s3 = randomUUID();
    const f = randomUUID();
    await exec(
      store,
      {
        type: 'StartSession',
        sessionId: s3,
        category: 'account',
        syncType: 'manual_single',
        instances: [{ instanceId: f, instanceName: 'db-f' }],
      },
      '2026-11-22T09:00:00.000Z',
    );
    await exec(spec.store, start(s3, f, '2026-11-22T09:00:01.000Z'), '2026-11-22T09:00:01.000Z');

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
    expect(await sessionErrorLogs(spec.db.knex, s2)).toEqual([
      {
        session_id: s2,
        instance_id: d,
        instance_name: 'db-d',
        status: 'abandoned',
        phase: null,
        error_code: null,
        error_message: 'session cancelled: operator stop',
        attempts: 1,
        completed_at: '2026-11-21T02:00:30.000Z',
      },
      {
        session_id: s2,
        instance_id: e,
        instance_name: 'db-e',
        status: 'abandoned',
        phase: null,
        error_code: null,
        error_message: 'session cancelled: operator stop',
        attempts: 0,
        completed_at: '2026-11-21T02:00:30.000Z',
      },
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

    // getSession: the session with its records by instance name.
    const full = await session(s1);
    expect(full.records.map((r) => [r.instance_name, r.status])).toEqual([
      ['db-a', 'completed'],
      ['db-b', 'completed'],
      ['db-c', 'skipped'],
    ]);
    expect(full.records[0]).toMatchObject({
      items_synced: 5,
      items_created: 1,
      items_updated: 2,
      items_deleted: 0,
      sync_details: { added: ['app@%'] },
    });
    expect(await getSession(spec.db.knex, randomUUID())).toBeUndefined();

    // Recovery: running records whose lease expired.
    expect(await expiredRunningRecords(spec.db.knex, new Date('2026-11-22T09:00:30Z'))).toEqual([]);
    expect(await expiredRunningRecords(spec.db.knex, new Date('2026-11-22T09:02:00Z'))).toEqual([
      {
        session_id: s3,
        instance_id: f,
        instance_name: 'db-f',
        sync_category: 'account',
        attempts: 1,
        phase: null,
        started_at: '2026-11-22T09:00:01.000Z',
        lease_expires_at: '2026-11-22T09:01:01.000Z',
      },
    ]);

    // listSessions: newest first, filters, paging.
    const page = { page: 1, limit: 10 };
    const ids = async (filters: Parameters<typeof listSessions>[1], paging = page) => {
      const result = await listSessions(spec.db.knex, filters, paging);
      return { total: result.total, ids: result.items.map((i) => i.session_id) };
    };
    expect(await ids({})).toEqual({ total: 4, ids: [s3, s2, s1, s4] });
    expect(await ids({ category: 'account' })).toEqual({ total: 3, ids: [s3, s1, s4] });
    expect(await ids({ syncType: 'scheduled_task' })).toEqual({ total: 1, ids: [s2] });
    expect(await ids({ status: 'cancelled' })).toEqual({ total: 1, ids: [s2] });
    expect(await ids({ status: 'running', category: 'account' })).toEqual({ total: 1, ids: [s3] });
    expect(
      await ids({ from: new Date('2026-11-20T00:00:00Z'), to: new Date('2026-11-22T00:00:00Z') }),
    ).toEqual({ total: 2, ids: [s2, s1] });
    expect(await ids({}, { page: 2, limit: 3 })).toEqual({ total: 4, ids: [s4] });
    const listed = await listSessions(spec.db.knex, { status: 'completed' }, page);
    expect(listed.items).toEqual([
      {
        session_id: s1,
        sync_type: 'manual_batch',
        sync_category: 'account',
        status: 'completed',
        started_at: '2026-11-20T10:00:00.000Z',
        completed_at: '2026-11-20T10:05:30.000Z',
        total_instances: 3,
        successful_instances: 2,
        failed_instances: 0,
        skipped_instances: 1,
        abandoned_instances: 0,
        created_by: alice.id,
      },
    ]);

    await spec.expectRebuildMatchesLive();
    const [{ kept }] = (
      await spec.db.knex.raw<{ rows: { kept: boolean }[] }>(
        `SELECT started_at = '2026-11-20T10:00:00.000001Z'::timestamptz AS kept FROM sync_sessions WHERE session_id = ?`,
        [s1],
      )
    ).rows as [{ kept: boolean }];
    expect(kept).toBe(true);
  });
});
