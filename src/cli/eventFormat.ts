// How the CLI prints events: a readable block, or one JSON object per line (--json).
import { formatPosition, type RecordedEvent } from '../domain/events/envelope.js';

export const eventToJson = (e: RecordedEvent) => ({
  streamId: e.streamId,
  revision: e.revision.toString(),
  position: formatPosition(e.position),
  eventId: e.eventId,
  type: e.type,
  schemaVersion: e.schemaVersion,
  recordedAt: e.recordedAt.toISOString(),
  data: e.data,
  metadata: e.metadata,
});

export function formatEvent(e: RecordedEvent, json: boolean): string {
  if (json) return JSON.stringify(eventToJson(e));
  const actor = `${e.metadata.actor.kind}:${e.metadata.actor.id}`;
  return [
    `${e.recordedAt.toISOString()}  ${e.streamId}@${e.revision}  ${e.type} v${e.schemaVersion}  (position ${formatPosition(e.position)}, by ${actor})`,
    `  data: ${JSON.stringify(e.data)}`,
    `  correlation ${e.metadata.correlationId}${e.metadata.causationId ? `, caused by ${e.metadata.causationId}` : ''}`,
  ].join('\n');
}
