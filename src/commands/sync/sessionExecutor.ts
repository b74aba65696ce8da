// Runs a session command: read the session stream, decide, append with the expected revision. Records of
// one session end concurrently (bounded concurrency), so a concurrency conflict reloads and decides again.
import { randomUUID } from 'node:crypto';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { WrongExpectedRevisionError } from '../../adapters/eventStore/port.js';
import type { Position } from '../../domain/events/envelope.js';
import {
  decide,
  evolve,
  initialState,
  type SessionCommand,
  type SessionEvent,
  type SessionState,
} from '../../domain/sessions/decider.js';
import { sessionStream } from '../../domain/sessions/events.js';
import type { CommandContext } from '../streamWrites.js';

export async function loadSession(store: Pick<EventStore, 'readStream'>, sessionId: string) {
  const history = await store.readStream(sessionStream(sessionId));
  const state = history.reduce<SessionState>(
    (s, e) => evolve(s, e as unknown as SessionEvent),
    initialState(),
  );
  const last = history[history.length - 1];
  return { state, revision: last ? last.revision : ('no_stream' as const), history };
}

export async function executeSession(
  store: Pick<EventStore, 'readStream' | 'append'>,
  command: SessionCommand,
  ctx: CommandContext,
  extra: { instanceId?: string; causationId?: string } = {},
): Promise<{ events: SessionEvent[]; position: Position | undefined }> {
  for (let attempt = 0; ; attempt++) {
    const { state, revision } = await loadSession(store, command.sessionId);
    const events = decide(command, state);
    if (events.length === 0) return { events, position: undefined };
    try {
      const { position } = await store.append(
        sessionStream(command.sessionId),
        events.map((e) => ({
          eventId: randomUUID(),
          type: e.type,
          schemaVersion: 1,
          data: e.data,
          metadata: {
            correlationId: ctx.correlationId,
            causationId: extra.causationId ?? null,
            actor: ctx.actor,
            occurredAt: new Date().toISOString(),
            sessionId: command.sessionId,
            ...('instanceId' in command
              ? { instanceId: command.instanceId }
              : extra.instanceId
                ? { instanceId: extra.instanceId }
                : {}),
          },
        })),
        { expectedRevision: revision },
      );
      return { events, position };
    } catch (err) {
      if (!(err instanceof WrongExpectedRevisionError) || attempt >= 50) throw err;
    }
  }
}
