// Writes generated events straight into the PostgreSQL event log with set-based inserts (a large log in
// seconds, where appends one stream at a time would take minutes), after the registry's validation, so
// what lands is what the validating store would have accepted. Each call is one transaction, so
// transaction ids (the log's commit positions) vary as they would in a real log. Call finish() at the end
// to record the streams' revisions.
import type { Knex } from 'knex';
import { createEventRegistry } from '../../src/domain/eventTypes.js';
import { mixedLog, type LogEntry } from './mixedLog.js';

export interface LogWriter {
  /** Validates every `validateEvery`-th entry (1: all), then inserts them in one transaction. */
  write(entries: readonly LogEntry[]): Promise<void>;
  /** Writes the streams table from the revisions written; returns the events written. */
  finish(): Promise<number>;
}

const chunk = 5_000;

export function logWriter(knex: Knex, options: { validateEvery?: number } = {}): LogWriter {
  const registry = createEventRegistry();
  const validateEvery = options.validateEvery ?? 1;
  const revisions = new Map<string, number>();
  let written = 0;
  return {
    async write(entries) {
      const rows = entries.map(({ streamId, event }, i) => {
        if ((written + i) % validateEvery === 0) registry.encode(event);
        const revision = (revisions.get(streamId) ?? -1) + 1;
        revisions.set(streamId, revision);
        return { streamId, revision, event };
      });
      await knex.transaction(async (trx) => {
        for (let i = 0; i < rows.length; i += chunk) {
          const part = rows.slice(i, i + chunk);
          await trx.raw(
            `INSERT INTO events (stream_id, stream_revision, event_id, type, schema_version, data, metadata, created_at)
             SELECT * FROM unnest(?::text[], ?::bigint[], ?::uuid[], ?::text[], ?::int[], ?::jsonb[], ?::jsonb[], ?::timestamptz[])`,
            [
              part.map((r) => r.streamId),
              part.map((r) => r.revision),
              part.map((r) => r.event.eventId),
              part.map((r) => r.event.type),
              part.map((r) => r.event.schemaVersion),
              part.map((r) => JSON.stringify(r.event.data)),
              part.map((r) => JSON.stringify(r.event.metadata)),
              part.map((r) => r.event.metadata.occurredAt),
            ],
          );
        }
      });
      written += rows.length;
    },
    async finish() {
      const streams = [...revisions];
      for (let i = 0; i < streams.length; i += chunk) {
        const part = streams.slice(i, i + chunk);
        await knex.raw(
          `INSERT INTO streams (stream_id, revision) SELECT * FROM unnest(?::text[], ?::bigint[])
           ON CONFLICT (stream_id) DO UPDATE SET revision = excluded.revision`,
          [part.map(([s]) => s), part.map(([, r]) => r)],
        );
      }
      return written;
    },
  };
}

/** The rebuild tests' mixed log (6 instances, 5 days), every event validated; answers the events written. */
export async function writeSmallMixedLog(knex: Knex): Promise<number> {
  const writer = logWriter(knex);
  for (const day of mixedLog({ instances: 6, days: 5, accountsPerInstance: 4, databasesPerInstance: 3 }))
    await writer.write(day);
  return writer.finish();
}
