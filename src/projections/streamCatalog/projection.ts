// stream_catalog: one row per stream (category, last revision, event count, first/last event time).
// A batch is folded in memory and written with one multi-row upsert.
import { prepared } from '../../adapters/db/preparedStatements.js';
import type { RecordedEvent } from '../../domain/events/envelope.js';
import type { Projection } from '../projection.js';

/** The stream's category: the part of its id before the first '-' (session-…, instance-…). */
export const categoryOf = (streamId: string): string => {
  const dash = streamId.indexOf('-');
  return dash > 0 ? streamId.slice(0, dash) : streamId;
};

interface Summary {
  lastRevision: bigint;
  count: number;
  first: Date;
  last: Date;
  lastType: string;
}

const fold = (events: readonly RecordedEvent[]): Map<string, Summary> => {
  const byStream = new Map<string, Summary>();
  for (const e of events) {
    const s = byStream.get(e.streamId);
    if (s) {
      s.lastRevision = e.revision;
      s.count++;
      s.last = e.recordedAt;
      s.lastType = e.type;
    } else {
      byStream.set(e.streamId, {
        lastRevision: e.revision,
        count: 1,
        first: e.recordedAt,
        last: e.recordedAt,
        lastType: e.type,
      });
    }
  }
  return byStream;
};

export const streamCatalogProjection: Projection = {
  name: 'stream_catalog',
  tables: ['stream_catalog'],
  eventTypes: '*',
  apply: async ({ trx, table }, events) => {
    const summaries = [...fold(events)];
    if (summaries.length === 0) return;
    const t = table('stream_catalog');
    await trx
      .raw(
        `INSERT INTO "${t}" AS c (stream_id, category, last_revision, event_count, first_event_at, last_event_at, last_event_type)
       SELECT * FROM unnest(?::text[], ?::text[], ?::bigint[], ?::bigint[], ?::timestamptz[], ?::timestamptz[], ?::text[])
       ON CONFLICT (stream_id) DO UPDATE SET
         last_revision = excluded.last_revision,
         event_count = c.event_count + excluded.event_count,
         last_event_at = excluded.last_event_at,
         last_event_type = excluded.last_event_type`,
        [
          summaries.map(([id]) => id),
          summaries.map(([id]) => categoryOf(id)),
          summaries.map(([, s]) => s.lastRevision.toString()),
          summaries.map(([, s]) => s.count),
          summaries.map(([, s]) => s.first.toISOString()),
          summaries.map(([, s]) => s.last.toISOString()),
          summaries.map(([, s]) => s.lastType),
        ],
      )
      .options(prepared);
  },
};
