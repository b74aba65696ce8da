// The instances projection: connection_status follows what syncs observed, not only connection tests.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { accountsStream } from '../../domain/accounts/events.js';
import { capacityStream } from '../../domain/capacity/events.js';
import { instanceStream } from '../../domain/instances/events.js';
import { sessionStream } from '../../domain/sessions/events.js';
import { testMetadata } from '../../../test/support/eventFactory.js';
import { instancesProjection } from './projection.js';
import { projectionSpec } from '../../../test/support/projectionSpec.js';
import { getInstanceRow, type InstanceRow } from './queries.js';

describe('instances projection: connection status', () => {
  const spec = projectionSpec(instancesProjection);

  it('a sync that could not connect fails it, one that read the instance connects it, each with its time', async () => {
    const runner = spec.runner();
    const instanceId = randomUUID();
    const sessionId = randomUUID();
    const append = (stream: string, type: string, data: Record<string, unknown>, at: string) =>
      spec.store.append(
        stream,
        [
          {
            eventId: randomUUID(),
            type,
            schemaVersion: 1,
            data,
            metadata: testMetadata({ occurredAt: at, sessionId, instanceId }),
          },
        ],
        { expectedRevision: 'any' },
      );
    /** Catches up until the row shows `expected` (a reader may stop short while other tests' transactions are open). */
    const rowAfter = async (expected: Partial<InstanceRow>) => {
      for (let tries = 0; ; tries++) {
        await spec.catchUp(runner);
        const row = await getInstanceRow(spec.db.knex, instanceId);
        if (
          row &&
          Object.entries(expected).every(([k, v]) => String(row[k as keyof InstanceRow]) === String(v))
        )
          return row;
        if (tries > 200) return row;
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const failed = (type: string, phase: string, messageCode: string, at: string) =>
      append(
        sessionStream(sessionId),
        type,
        {
          sessionId,
          instanceId,
          phase,
          messageCode,
          message: `${messageCode} in ${phase}`,
          ...(type === 'InstanceAttemptFailed' ? { attempt: 1, retryAt: at, leaseExpiresAt: at } : {}),
        },
        at,
      );

    await append(
      instanceStream(instanceId),
      'InstanceRegistered',
      {
        instanceId,
        name: 'maria',
        dbType: 'mysql',
        host: '127.0.0.1',
        port: 3306,
        databaseName: null,
        credentialId: null,
        description: '',
      },
      '2026-11-20T09:00:00.000Z',
    );
    expect(await rowAfter({ connection_status: 'unknown' })).toMatchObject({ last_checked_at: null });

    // A refused connection: the inventory read could not connect.
    await failed('InstanceSyncFailed', 'inventory', 'DATABASE_CONNECTION_ERROR', '2026-11-20T10:00:00.000Z');
    expect(await rowAfter({ connection_status: 'failed' })).toMatchObject({
      last_checked_at: new Date('2026-11-20T10:00:00.000Z'),
      last_connected: null,
      last_error_code: 'DATABASE_CONNECTION_ERROR',
      last_error: 'DATABASE_CONNECTION_ERROR in inventory',
    });

    // The next sync read its accounts: connected at that moment.
    await append(
      accountsStream(instanceId),
      'InstanceInventorySynced',
      {
        instanceId,
        sessionId,
        dbType: 'mysql',
        accounts: [],
        added: [],
        changed: [],
        deactivated: [],
        reactivated: [],
      },
      '2026-11-21T10:00:00.000Z',
    );
    expect(await rowAfter({ connection_status: 'connected' })).toMatchObject({
      last_checked_at: new Date('2026-11-21T10:00:00.000Z'),
      last_connected: new Date('2026-11-21T10:00:00.000Z'),
      last_error_code: null,
      last_error: null,
    });

    // A failure that is not about the connection (a permission read refused) leaves it connected.
    await failed('InstanceSyncFailed', 'permissions', 'PERMISSION_DENIED', '2026-11-21T10:00:01.000Z');
    // A capacity attempt whose connect phase failed (no credential): failed again.
    await failed('InstanceAttemptFailed', 'connect', 'VALIDATION_ERROR', '2026-11-22T10:00:00.000Z');
    expect(await rowAfter({ connection_status: 'failed' })).toMatchObject({
      last_checked_at: new Date('2026-11-22T10:00:00.000Z'),
      last_connected: new Date('2026-11-21T10:00:00.000Z'),
      last_error_code: 'VALIDATION_ERROR',
    });

    // Its retry collected sizes.
    await append(
      capacityStream(instanceId),
      'StatsSaved',
      {
        instanceId,
        sessionId,
        collectedDate: '2026-11-22',
        collectedAt: '2026-11-22T10:00:05.000Z',
        databases: [{ databaseName: 'app', sizeMb: 1, dataSizeMb: null, logSizeMb: null }],
        totalSizeMb: 1,
        databaseCount: 1,
      },
      '2026-11-22T10:00:05.000Z',
    );
    expect(await rowAfter({ connection_status: 'connected' })).toMatchObject({
      last_connected: new Date('2026-11-22T10:00:05.000Z'),
      last_error_code: null,
    });

    await spec.expectRebuildMatchesLive();
  });
});
