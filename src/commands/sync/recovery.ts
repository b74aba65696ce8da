// The recovery pass (at start-up and on a timer): it ends the records whose process is gone. It decides from
// the session streams and the heartbeats, never from the read tables (which may lag): for each session of
// the write-side index open_sessions, the stream says which records are open and which process owns each.
// - A record of this process: orphaned only if no run of this process holds it (its outcome could not be
//   appended); a stalled store never makes this process abandon its own running records.
// - A record of another process: orphaned once that process is gone (no heartbeat row, a stale one, or a
//   row of this host whose pid is not running): ended at once, not after its lease.
// - A record that names no owner (written before owners existed): orphaned once its lease expired.
// An orphaned aggregation record whose figures the session did append ends completed (or failed for an
// instance the run listed as missing), not abandoned. Each session then closes by itself.
import type { Knex } from 'knex';
import type { EventStore } from '../../adapters/eventStore/port.js';
import { AppError } from '../../domain/errors.js';
import type { RecordState, SessionState } from '../../domain/sessions/decider.js';
import type { Position, RecordedEvent } from '../../domain/events/envelope.js';
import type { Logger } from '../../logger.js';
import { aggregationOutcomes } from './aggregationRecords.js';
import { forgetSession, isClosed, openSessions, type OpenSessionRow } from './openSessions.js';
import type { ProcessSessions } from './processSessions.js';
import { loadSession, SessionWriter, type WriterCommand } from './sessionWriter.js';
import { processAlive } from '../../adapters/processAlive.js';

export interface RecoveryDeps {
  knex: Knex;
  store: Pick<EventStore, 'readStream' | 'append'>;
  logger: Logger;
  /** This process: its own runs, and its beats to judge the others' by. */
  sessions: ProcessSessions;
}

interface HeartbeatRow {
  process_id: string;
  host: string;
  pid: number;
  beat_at: Date;
}

/** Which owners are gone, from the heartbeat rows as they are now. */
async function goneOwners(
  deps: RecoveryDeps,
): Promise<{ gone: (owner: string) => boolean; rows: HeartbeatRow[] }> {
  const me = deps.sessions;
  const rows = await deps
    .knex<HeartbeatRow>('process_heartbeats')
    .select('process_id', 'host', 'pid', 'beat_at');
  const byId = new Map(rows.map((r) => [r.process_id, r]));
  const staleBefore = me.staleBefore();
  const gone = (owner: string) => {
    if (owner === me.id) return false;
    const row = byId.get(owner);
    if (!row) return true;
    // On this host a process that is not running (or whose pid this process now has) is gone at once.
    if (row.host === me.host && (row.pid === me.pid || !processAlive(row.pid))) return true;
    return staleBefore !== undefined && row.beat_at < staleBefore;
  };
  return { gone, rows };
}

interface Orphan {
  instanceId: string;
  /** The attempt it was in: if it moved on meanwhile (a retry elsewhere), the end is refused. */
  attempt: number;
  reason: string;
  /** Where the record's attempt started (aggregation: what the session appended after it counts). */
  startedAt: Position | undefined;
}

/** The open records of one session that nobody runs any more. */
function orphansOf(
  deps: RecoveryDeps,
  session: { id: string; state: SessionState; history: RecordedEvent[] },
  gone: (owner: string) => boolean,
  now: Date,
  staleAfterMs: number,
): Orphan[] {
  const { state, history } = session;
  const me = deps.sessions;
  const running = (r: RecordState) => r.status === 'running' || r.status === 'retrying';
  const leaseExpired = (r: RecordState) =>
    r.leaseExpiresAt !== undefined && Date.parse(r.leaseExpiresAt) < now.getTime();
  // Where each record's last attempt started, in one pass over the history (not one search per orphan).
  const lastStarted = new Map<string, Position>();
  for (const e of history)
    if (e.type === 'InstanceSyncStarted')
      lastStarted.set((e.data as { instanceId: string }).instanceId, e.position);
  const startedAt = (instanceId: string) => lastStarted.get(instanceId);
  // Pending records wait for the session's runner.
  const runnerGone = (() => {
    if (state.owner) return state.owner === me.id ? !me.runsSession(session.id) : gone(state.owner);
    const opened = Date.parse(history[0]?.metadata.occurredAt ?? now.toISOString());
    const live = [...state.records.values()].some((r) => running(r) && !leaseExpired(r));
    return opened < now.getTime() - staleAfterMs && !live;
  })();
  const orphans: Orphan[] = [];
  for (const [instanceId, r] of state.records) {
    let reason: string | undefined;
    if (running(r)) {
      if (r.owner === me.id) {
        if (!me.holds(session.id, instanceId))
          reason = 'its run in this process ended without recording an outcome';
      } else if (r.owner ? gone(r.owner) : leaseExpired(r)) {
        reason = r.owner ? 'the process running it stopped' : 'lease expired: the process running it stopped';
      }
    } else if (r.status === 'pending' && runnerGone) {
      reason = 'never started: the process running the session stopped';
    }
    if (reason) orphans.push({ instanceId, attempt: r.attempts, reason, startedAt: startedAt(instanceId) });
  }
  return orphans;
}

/** Ends the orphans of one session; returns how many it ended. */
async function endOrphans(
  deps: RecoveryDeps,
  session: { id: string; state: SessionState; row: OpenSessionRow },
  orphans: Orphan[],
  now: Date,
): Promise<number> {
  const { id: sessionId, state } = session;
  const ctx = {
    actor: { kind: 'system' as const, id: 'recovery' },
    correlationId: `recovery-${now.toISOString()}`,
    now,
  };
  const ended = new Map<string, WriterCommand>();
  if (state.category === 'aggregation' && state.period) {
    const started = orphans.flatMap((o) =>
      o.startedAt ? [{ instanceId: o.instanceId, startedAt: o.startedAt }] : [],
    );
    for (const [id, command] of await aggregationOutcomes(
      deps.store,
      { sessionId, period: state.period },
      started,
    ))
      ended.set(id, command);
  }
  const writer = new SessionWriter(deps.store, sessionId, ctx);
  // All at once: the writer decides them together and appends up to 256 per append (one append per
  // orphan made a crashed session of 10,000 records take a round trip each), and each refusal is its own.
  const outcomes = await Promise.allSettled(
    orphans.map((o) => {
      const command = ended.get(o.instanceId) ?? {
        type: 'AbandonRecord' as const,
        instanceId: o.instanceId,
        reason: o.reason,
      };
      return writer.execute({ ...command, attempt: o.attempt } as WriterCommand);
    }),
  );
  let count = 0;
  for (const outcome of outcomes) {
    if (outcome.status === 'fulfilled') count++;
    // Ended meanwhile (its runner recorded the outcome after all): nothing to do.
    else if (!(outcome.reason instanceof AppError && outcome.reason.code === 'CONSTRAINT_VIOLATION'))
      throw outcome.reason;
  }
  if (writer.state && isClosed(writer.state)) await forgetSession(deps.knex, session.row);
  return count;
}

/**
 * One recovery pass; returns how many records it ended. `staleAfterMs` is how old a session that names no
 * owner must be before its pending records count as orphaned (the lease of its records).
 */
export async function abandonExpiredRecords(
  deps: RecoveryDeps,
  now: Date,
  staleAfterMs: number,
): Promise<number> {
  const { gone, rows } = await goneOwners(deps);
  let ended = 0;
  for (const row of await openSessions(deps.knex)) {
    const id = row.session_id;
    const { state, history } = await loadSession(deps.store, id);
    if (state.status === 'none') {
      // Its first event is still being appended, or its start was refused: forget it once that is old.
      if (row.opened_at.getTime() < now.getTime() - staleAfterMs) await forgetSession(deps.knex, row);
      continue;
    }
    const orphans = orphansOf(deps, { id, state, history }, gone, now, staleAfterMs);
    if (orphans.length > 0) ended += await endOrphans(deps, { id, state, row }, orphans, now);
    else if (isClosed(state)) await forgetSession(deps.knex, row);
  }
  // The rows of processes that are gone say nothing any more.
  const dead = rows.filter((r) => gone(r.process_id)).map((r) => r.process_id);
  if (dead.length > 0) await deps.knex('process_heartbeats').whereIn('process_id', dead).delete();
  if (ended > 0) deps.logger.warn({ ended }, 'ended the sync records of processes that stopped');
  return ended;
}
