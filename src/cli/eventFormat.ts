// How the CLI prints events: a readable block, or one JSON object per line (--json). A replay adds the
// instance each event concerns (id and name), which the event alone does not name.
import { formatPosition, type RecordedEvent } from '../domain/events/envelope.js';

export interface InstanceOfEvent {
  instanceId: string | null;
  instanceName: string | null;
}

export const eventToJson = (e: RecordedEvent, instance?: InstanceOfEvent) => ({
  streamId: e.streamId,
  revision: e.revision.toString(),
  position: formatPosition(e.position),
  eventId: e.eventId,
  type: e.type,
  schemaVersion: e.schemaVersion,
  recordedAt: e.recordedAt.toISOString(),
  ...(instance ? { instanceId: instance.instanceId, instanceName: instance.instanceName } : {}),
  data: e.data,
  metadata: e.metadata,
});

const instanceLine = ({ instanceId, instanceName }: InstanceOfEvent): string[] =>
  instanceId === null ? [] : [`  instance ${instanceName ?? '(name unknown)'} (${instanceId})`];

export function formatEvent(e: RecordedEvent, json: boolean, instance?: InstanceOfEvent): string {
  if (json) return JSON.stringify(eventToJson(e, instance));
  const actor = `${e.metadata.actor.kind}:${e.metadata.actor.id}`;
  return [
    `${e.recordedAt.toISOString()}  ${e.streamId}@${e.revision}  ${e.type} v${e.schemaVersion}  (position ${formatPosition(e.position)}, by ${actor})`,
    ...(instance ? instanceLine(instance) : []),
    `  data: ${JSON.stringify(e.data)}`,
    `  correlation ${e.metadata.correlationId}${e.metadata.causationId ? `, caused by ${e.metadata.causationId}` : ''}`,
  ].join('\n');
}
