// A record waiting for an in-run retry (InstanceAttemptFailed): the read tables show it `retrying` with the
// error of the failed attempt while its session stays running; the recovery pass leaves it alone during
// its lease and abandons it once the lease expired (the process died in the backoff); a rebuild equals
// the live tables.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openSession } from '../../commands/sync/openSessions.js';
import { ProcessSessions } from '../../commands/sync/processSessions.js';
import { abandonExpiredRecords } from '../../commands/sync/recovery.js';
import { executeSession } from '../../commands/sync/sessionWriter.js';
import type { SessionCommand } from '../../domain/sessions/decider.js';
import { createLogger } from '../../logger.js';
import { syncSessionsProjection } from './projection.js';
import { getSession } from './queries.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';

const logger = createLogger({ level: 'silent' });
const ctx = { actor: { kind: 'user' as const, id: 'tester' }, correlationId: 'c', now: new Date() };
const t0 = new Date('2026-11-22T10:00:00.000Z');
const plus = (ms: number) => new Date(t0.getTime() + ms);

describe('sync_instance_records: a record waiting to retry', () => {
  const spec = projectionSpec(syncSessionsProjection);

  it('shows retrying with its last error, survives recovery during its lease, is abandoned after it', async () => {
    const { db, store } = spec;
    const runner = spec.runner();
    const sessionId = randomUUID();
    const instanceId = randomUUID();
    const exec = (command: SessionCommand) => executeSession(store, command, ctx);
    // A session of a process that named no owner (as before owners existed): its lease tells.
    await openSession(db.knex, sessionId);
    await exec({
      type: 'StartSession',
      sessionId,
      category: 'capacity',
      syncType: 'manual_single',
      instances: [{ instanceId, instanceName: 'db-a' }],
    });
    await exec({ type: 'StartRecord', sessionId, instanceId, now: t0, leaseMs: 60_000 });
    const { events } = await exec({
      type: 'FailAttempt',
      sessionId,
      instanceId,
      phase: 'sizes',
      messageCode: 'DATABASE_TIMEOUT',
      message: 'the sizes query timed out',
      retryInMs: 2000,
      now: plus(5000),
      leaseMs: 60_000,
    });
    expect(events.map((e) => e.type)).toEqual(['InstanceAttemptFailed']);

    await spec.catchUp(runner);
    const session = async () => (await getSession(db.knex, sessionId))!;
    expect(await session()).toMatchObject({
      status: 'running',
      completed_at: null,
      failed_instances: 0,
      abandoned_instances: 0,
    });
    expect((await session()).records[0]).toMatchObject({
      status: 'retrying',
      attempts: 1,
      phase: 'sizes',
      error_code: 'DATABASE_TIMEOUT',
      error_message: 'the sizes query timed out',
      completed_at: null,
      // failed at +5 s, retry at +7 s, then a whole lease for the next attempt
      lease_expires_at: plus(67_000).toISOString(),
    });

    // Within the lease (past the first attempt's): recovery leaves it. After it: abandoned, session closes.
    const sessions = new ProcessSessions({ knex: db.knex, logger, heartbeatMs: 1000 });
    const recovery = { knex: db.knex, store, logger, sessions };
    expect(await abandonExpiredRecords(recovery, plus(66_000), 1)).toBe(0);
    expect(await abandonExpiredRecords(recovery, plus(68_000), 1)).toBe(1);
    await spec.catchUp(runner);
    expect(await session()).toMatchObject({ status: 'failed', abandoned_instances: 1 });
    expect((await session()).records[0]).toMatchObject({
      status: 'abandoned',
      error_message: 'lease expired: the process running it stopped',
    });

    await spec.expectRebuildMatchesLive();
  });
});
