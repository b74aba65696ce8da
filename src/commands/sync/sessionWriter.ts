// Runs session commands: decide on the session's state, append with the expected revision. Records of one
// session end concurrently (bounded concurrency), so a concurrency conflict reloads and decides again.
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
import { newEvent, running, type CommandContext } from '../commandContext.js';

export async function loadSession(store: Pick<EventStore, 'readStream'>, sessionId: string) {
  const history = await store.readStream(sessionStream(sessionId));
  const state = history.reduce<SessionState>(
    (s, e) => evolve(s, e as unknown as SessionEvent),
    initialState(),
  );
  const last = history[history.length - 1];
  return { state, revision: last ? last.revision : ('no_stream' as const), history };
}

/** Every event about a record names its instance in the metadata too (CancelSession's abandons included). */
const toEventData = (e: SessionEvent, command: SessionCommand, ctx: CommandContext) => {
  const instanceId =
    'instanceId' in command ? command.instanceId : (e.data as { instanceId?: string }).instanceId;
  return newEvent(running(ctx), e.type, e.data, { sessionId: command.sessionId, instanceId });
};

/** A command given to a session's writer: without its session, which the writer supplies. */
export type WriterCommand = SessionCommand extends infer C
  ? C extends SessionCommand
    ? Omit<C, 'sessionId'>
    : never
  : never;

export interface Executed {
  events: SessionEvent[];
  /** The ids the events were appended with, in order (an attempt's fence is its InstanceSyncStarted). */
  eventIds: string[];
  position: Position | undefined;
  /** The session after the append. */
  state: SessionState;
}

/** The InstanceSyncStarted an execution appended for `instanceId`: its id and attempt. */
export function startedIn(executed: Executed, instanceId: string): { eventId: string; attempt: number } {
  const i = executed.events.findIndex(
    (e) => e.type === 'InstanceSyncStarted' && e.data.instanceId === instanceId,
  );
  const event = executed.events[i];
  if (!event || event.type !== 'InstanceSyncStarted')
    throw new Error(`no InstanceSyncStarted of ${instanceId} was appended`);
  return { eventId: executed.eventIds[i]!, attempt: event.data.attempt };
}

/** One command on a freshly read session (an operator's, the recovery pass's). */
export const executeSession = (
  store: Pick<EventStore, 'readStream' | 'append'>,
  command: SessionCommand,
  ctx: CommandContext,
): Promise<Executed> => new SessionWriter(store, command.sessionId, ctx).execute(command);

/**
 * The writer of one session in this process: commands go through one queue, and the state and revision
 * stay in memory, so records ending concurrently neither re-read the stream nor conflict with each other.
 * Appends still carry the expected revision: a write by another process (an operator's cancel) is a
 * conflict, and the writer reloads and decides again.
 */
export class SessionWriter {
  private tail: Promise<unknown> = Promise.resolve();
  private loaded: { state: SessionState; revision: bigint | 'no_stream' } | undefined;

  constructor(
    private readonly store: Pick<EventStore, 'readStream' | 'append'>,
    readonly sessionId: string,
    private readonly ctx: CommandContext,
  ) {}

  /** The state as this writer last saw it (undefined before its first command). */
  get state(): SessionState | undefined {
    return this.loaded?.state;
  }

  execute(command: WriterCommand): Promise<Executed> {
    return this.executeAll([command]);
  }

  /** Decides the commands in order on one state and appends all their events in ONE append. */
  executeAll(commands: readonly WriterCommand[]): Promise<Executed> {
    return this.executeWith(() => commands);
  }

  /**
   * The same, with commands chosen from the state as it is when their turn comes (and again after a
   * conflict); `as` names another actor than the writer's (the process stopping).
   */
  executeWith(
    choose: (state: SessionState) => readonly WriterCommand[],
    as: CommandContext = this.ctx,
  ): Promise<Executed> {
    const run = this.tail.then(() => this.apply(choose, as));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async apply(
    choose: (state: SessionState) => readonly WriterCommand[],
    ctx: CommandContext,
  ): Promise<Executed> {
    for (let attempt = 0; ; attempt++) {
      this.loaded ??= await loadSession(this.store, this.sessionId);
      const { revision } = this.loaded;
      let state = this.loaded.state;
      const events: SessionEvent[] = [];
      const data: ReturnType<typeof toEventData>[] = [];
      for (const given of choose(state)) {
        const command: SessionCommand = { ...given, sessionId: this.sessionId };
        const decided = decide(command, state);
        state = decided.reduce(evolve, state);
        events.push(...decided);
        data.push(...decided.map((e) => toEventData(e, command, ctx)));
      }
      if (events.length === 0) return { events, eventIds: [], position: undefined, state };
      try {
        const result = await this.store.append(sessionStream(this.sessionId), data, {
          expectedRevision: revision,
        });
        this.loaded = { state, revision: result.nextExpectedRevision };
        return { events, eventIds: data.map((d) => d.eventId), position: result.position, state };
      } catch (err) {
        this.loaded = undefined; // another writer moved the stream (or the append failed): reload
        if (!(err instanceof WrongExpectedRevisionError) || attempt >= 50) throw err;
      }
    }
  }
}
