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

const toEventData = (
  e: SessionEvent,
  command: SessionCommand,
  ctx: CommandContext,
  extra: { instanceId?: string; causationId?: string } = {},
) => ({
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
});

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
        events.map((e) => toEventData(e, command, ctx, extra)),
        { expectedRevision: revision },
      );
      return { events, position };
    } catch (err) {
      if (!(err instanceof WrongExpectedRevisionError) || attempt >= 50) throw err;
    }
  }
}

/**
 * The writer of one running session in this process: commands go through one queue, and the state and
 * revision stay in memory, so records ending concurrently neither re-read the stream nor conflict with
 * each other. Appends still carry the expected revision: a write by another process (an operator's
 * cancel) is a conflict, and the writer reloads and decides again.
 */
export class SessionWriter {
  private tail: Promise<unknown> = Promise.resolve();
  private loaded: { state: SessionState; revision: bigint | 'no_stream' } | undefined;

  constructor(
    private readonly store: Pick<EventStore, 'readStream' | 'append'>,
    private readonly sessionId: string,
    private readonly ctx: CommandContext,
  ) {}

  execute(command: SessionCommand): Promise<{ events: SessionEvent[]; position: Position | undefined }> {
    return this.executeAll([command]);
  }

  /** Decides the commands in order on one state and appends all their events in ONE append. */
  executeAll(
    commands: readonly SessionCommand[],
  ): Promise<{ events: SessionEvent[]; position: Position | undefined }> {
    const run = this.tail.then(() => this.apply(commands));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async apply(
    commands: readonly SessionCommand[],
  ): Promise<{ events: SessionEvent[]; position: Position | undefined }> {
    for (let attempt = 0; ; attempt++) {
      this.loaded ??= await loadSession(this.store, this.sessionId);
      const { revision } = this.loaded;
      let state = this.loaded.state;
      const events: SessionEvent[] = [];
      const data: ReturnType<typeof toEventData>[] = [];
      for (const command of commands) {
        const decided = decide(command, state);
        state = decided.reduce(evolve, state);
        events.push(...decided);
        data.push(...decided.map((e) => toEventData(e, command, this.ctx)));
      }
      if (events.length === 0) return { events, position: undefined };
      try {
        const result = await this.store.append(sessionStream(this.sessionId), data, {
          expectedRevision: revision,
        });
        this.loaded = { state, revision: result.nextExpectedRevision };
        return { events, position: result.position };
      } catch (err) {
        this.loaded = undefined; // another writer moved the stream (or the append failed): reload
        if (!(err instanceof WrongExpectedRevisionError) || attempt >= 50) throw err;
      }
    }
  }
}
