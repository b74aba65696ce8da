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

/** A session's state as of a revision of its stream. */
export interface LoadedSession {
  state: SessionState;
  revision: bigint | 'no_stream';
}

/**
 * The session as it is now, from what was known of it: only the events after `known` are read and folded
 * on, instead of the whole stream (records of a session that other processes also end move its stream
 * between two appends of this one, and a session of many records is a long stream).
 */
export async function catchUpSession(
  store: Pick<EventStore, 'readStream'>,
  sessionId: string,
  known: LoadedSession | undefined,
): Promise<LoadedSession> {
  if (!known || known.revision === 'no_stream') return loadSession(store, sessionId);
  const after = await store.readStream(sessionStream(sessionId), { from: known.revision + 1n });
  const state = after.reduce<SessionState>((s, e) => evolve(s, e as unknown as SessionEvent), known.state);
  const last = after[after.length - 1];
  return { state, revision: last ? last.revision : known.revision };
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

/** Commands waiting for the writer's next append. */
interface Pending {
  choose: (state: SessionState) => readonly WriterCommand[];
  ctx: CommandContext;
  resolve: (executed: Executed) => void;
  reject: (err: unknown) => void;
}

/** The most callers one append serves. */
const MAX_BATCH = 256;

/**
 * The writer of one session in this process: commands go through one queue, and the state and revision
 * stay in memory, so records ending concurrently neither re-read the stream nor conflict with each other.
 * Commands that arrive while an append is in flight are decided together and appended in ONE append when
 * it returns (group commit: a session of many records would otherwise wait on one append per event, in
 * turn); each caller still gets only its own events, and a command its decider refuses fails alone.
 * Appends still carry the expected revision: a write by another process (an operator's cancel, records
 * another process runs) is a conflict, and the writer reads the events it has not seen (catchUpSession)
 * and decides the whole batch again.
 */
export class SessionWriter {
  private pending: Pending[] = [];
  private flushing = false;
  private loaded: LoadedSession | undefined;
  /** The state before an append that met a concurrent write: caught up from, not reloaded. */
  private stale: LoadedSession | undefined;

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
    return new Promise<Executed>((resolve, reject) => {
      this.pending.push({ choose, ctx: as, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) await this.apply(this.pending.splice(0, MAX_BATCH));
    } finally {
      this.flushing = false;
    }
  }

  /** Decides and appends one batch; settles every caller in it. Never throws. */
  private async apply(batch: readonly Pending[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const parts: { item: Pending; events: SessionEvent[]; data: ReturnType<typeof toEventData>[] }[] = [];
      const refused: { item: Pending; err: unknown }[] = [];
      let state: SessionState;
      let revision: bigint | 'no_stream';
      try {
        this.loaded ??= await catchUpSession(this.store, this.sessionId, this.stale);
        this.stale = undefined;
        ({ state, revision } = this.loaded);
      } catch (err) {
        for (const item of batch) item.reject(err);
        return;
      }
      for (const item of batch) {
        try {
          let s = state;
          const events: SessionEvent[] = [];
          const data: ReturnType<typeof toEventData>[] = [];
          for (const given of item.choose(s)) {
            const command: SessionCommand = { ...given, sessionId: this.sessionId };
            const decided = decide(command, s);
            s = decided.reduce(evolve, s);
            events.push(...decided);
            data.push(...decided.map((e) => toEventData(e, command, item.ctx)));
          }
          state = s;
          parts.push({ item, events, data });
        } catch (err) {
          refused.push({ item, err }); // its commands are not applied; the others go on
        }
      }
      const all = parts.flatMap((p) => p.data);
      try {
        const result =
          all.length > 0
            ? await this.store.append(sessionStream(this.sessionId), all, { expectedRevision: revision })
            : undefined;
        if (result) this.loaded = { state, revision: result.nextExpectedRevision };
        for (const { item, events, data } of parts)
          item.resolve({
            events,
            eventIds: data.map((d) => d.eventId),
            position: events.length > 0 ? result?.position : undefined,
            state,
          });
        for (const { item, err } of refused) item.reject(err);
        return;
      } catch (err) {
        // Another writer moved the stream: read what it appended and decide again. Every other failure (the
        // append may or may not have landed): reload the whole stream.
        this.stale = err instanceof WrongExpectedRevisionError ? this.loaded : undefined;
        this.loaded = undefined;
        if (!(err instanceof WrongExpectedRevisionError) || attempt >= 50) {
          for (const { item } of parts) item.reject(err);
          for (const { item, err: own } of refused) item.reject(own);
          return;
        }
      }
    }
  }
}
