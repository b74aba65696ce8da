// The recovery pass (at start-up and on a timer): records whose lease expired (the process running them
// died) get InstanceSyncAbandoned, running ones and those waiting for an in-run retry (retrying) alike,
// and so do pending records of sessions nobody is running any more; each session then closes by itself
// (the decider closes it with its last record).
import type { Knex } from 'knex';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { AppError } from '../../domain/errors.js';
import type { Logger } from '../../logger.js';
import { executeSession } from './sessionExecutor.js';

export interface RecoveryDeps {
  knex: Knex;
  store: Pick<EventStore, 'readStream' | 'append'>;
  logger: Logger;
}

export async function abandonExpiredRecords(
  deps: RecoveryDeps,
  now: Date,
  staleAfterMs: number,
): Promise<number> {
  const { rows } = await deps.knex.raw<{
    rows: { session_id: string; instance_id: string; status: string }[];
  }>(
    `SELECT r.session_id, r.instance_id, r.status
       FROM sync_instance_records r JOIN sync_sessions s ON s.session_id = r.session_id
      WHERE s.status = 'running'
        AND ((r.status IN ('running', 'retrying') AND r.lease_expires_at < ?)
          OR (r.status = 'pending' AND s.started_at < ?
              AND NOT EXISTS (SELECT 1 FROM sync_instance_records o
                               WHERE o.session_id = r.session_id AND o.status IN ('running', 'retrying')
                                 AND o.lease_expires_at >= ?)))`,
    [now, new Date(now.getTime() - staleAfterMs), now],
  );
  let abandoned = 0;
  for (const r of rows) {
    const reason =
      r.status !== 'pending'
        ? 'lease expired: the process running it stopped'
        : 'never started: the process running the session stopped';
    try {
      await executeSession(
        deps.store,
        { type: 'AbandonRecord', sessionId: r.session_id, instanceId: r.instance_id, reason },
        {
          actor: { kind: 'system', id: 'recovery' },
          correlationId: `recovery-${now.toISOString()}`,
          now,
        },
      );
      abandoned++;
    } catch (err) {
      // Ended meanwhile (the projection lagged): nothing to do.
      if (!(err instanceof AppError && err.code === 'CONSTRAINT_VIOLATION')) throw err;
    }
  }
  if (abandoned > 0) deps.logger.warn({ abandoned }, 'abandoned sync records whose process stopped');
  return abandoned;
}
