// The write-side index of sessions that may have open records (table open_sessions): what the recovery pass
// reads instead of a projection that may lag. A row is written before the session's first event (and again
// before and after a retry reopens it) and removed once the session is closed; a left-over row is harmless,
// since recovery reads the session's stream and finds it closed. Every write gives the row a new token, and
// a removal names the token it read before reading the stream: a retry that reopened the session meanwhile
// changed the token, so its row stays.
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { isEndStatus, type SessionState } from '../../domain/sessions/decider.js';
import { loadSession } from './sessionWriter.js';

export interface OpenSessionRow {
  session_id: string;
  opened_at: Date;
  token: string;
}

export async function openSession(knex: Knex, sessionId: string): Promise<void> {
  await knex.raw(
    `INSERT INTO open_sessions (session_id, token) VALUES (?, ?)
     ON CONFLICT (session_id) DO UPDATE SET token = EXCLUDED.token`,
    [sessionId, randomUUID()],
  );
}

export const openSessions = (knex: Knex): Promise<OpenSessionRow[]> =>
  knex<OpenSessionRow>('open_sessions').orderBy('opened_at').select('session_id', 'opened_at', 'token');

/** Closed, and no record open. */
export const isClosed = (state: SessionState): boolean =>
  state.status !== 'running' &&
  state.status !== 'none' &&
  [...state.records.values()].every((r) => isEndStatus(r.status));

/** Removes the row as it was read (`row`), before `state` was read from the stream. */
export async function forgetSession(knex: Knex, row: OpenSessionRow): Promise<void> {
  await knex('open_sessions').where({ session_id: row.session_id, token: row.token }).delete();
}

/** After a run: the session leaves the index if its stream, read now, says it is closed. */
export async function closeSessionIfEnded(
  deps: { knex: Knex; store: Pick<EventStore, 'readStream'> },
  sessionId: string,
): Promise<void> {
  const row = await deps.knex<OpenSessionRow>('open_sessions').where({ session_id: sessionId }).first();
  if (!row) return;
  if (isClosed((await loadSession(deps.store, sessionId)).state)) await forgetSession(deps.knex, row);
}
