// The write-side index of sessions that may have open records (table open_sessions): what the recovery pass
// reads instead of a projection that may lag. A row is written before the session's first event (or before
// a retry reopens it) and removed once the session is closed; a left-over row is harmless, since recovery
// reads the session's stream and finds it closed.
import type { Knex } from 'knex';
import { isEndStatus, type SessionState } from '../../domain/sessions/decider.js';

export async function openSession(knex: Knex, sessionId: string): Promise<void> {
  await knex.raw('INSERT INTO open_sessions (session_id) VALUES (?) ON CONFLICT DO NOTHING', [sessionId]);
}

/** Closed, and no record open: the session leaves the index. */
export const isClosed = (state: SessionState): boolean =>
  state.status !== 'running' &&
  state.status !== 'none' &&
  [...state.records.values()].every((r) => isEndStatus(r.status));

export async function closeSessionIfEnded(knex: Knex, sessionId: string, state: SessionState): Promise<void> {
  if (isClosed(state)) await knex('open_sessions').where({ session_id: sessionId }).delete();
}

export async function openSessions(knex: Knex): Promise<{ session_id: string; opened_at: Date }[]> {
  return knex('open_sessions').orderBy('opened_at').select('session_id', 'opened_at');
}

export async function forgetSession(knex: Knex, sessionId: string): Promise<void> {
  await knex('open_sessions').where({ session_id: sessionId }).delete();
}
