// What this process runs of sync sessions, and its heartbeat. Every run (a session, an operator's retry, an
// aggregation) is registered here before its first InstanceSyncStarted names this process as the owner, so
// the recovery pass of this process knows which of its own records are really running, and the recovery of
// any other process knows from the heartbeat row whether this one is alive. stop() ends what this process
// owns (InstanceSyncAbandoned with the reason, e.g. `shutdown`) before the store goes away, then aborts the
// attempts (their late writes are fenced) and deletes the heartbeat row.
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import os from 'node:os';
import type { Knex } from 'knex';
import { AppError } from '../../domain/errors.js';
import type { SessionState } from '../../domain/sessions/decider.js';
import type { Logger } from '../../logger.js';
import type { SessionWriter, WriterCommand } from './sessionWriter.js';
import { settleWithin } from './timing.js';

/** How long stop() waits for the abandons to land, and then for the aborted runs to return. */
const STOP_GRACE_MS = 5_000;
/** How many of its own beats a process keeps: another whose last beat is older than all of them missed them. */
const BEATS_KEPT = 4;

export interface ProcessSessionsOptions {
  knex: Knex;
  logger: Logger;
  heartbeatMs: number;
}

/** A run of this process: the records of `sessionId` it may own (`all`: the session is this process's). */
export interface Run {
  sessionId: string;
  writer: SessionWriter;
  scope: 'all' | ReadonlySet<string>;
}

interface Tracked extends Run {
  abort: AbortController;
  done: Promise<unknown>;
}

/** Thrown into a run's work when the process stops: the record was already abandoned with the reason. */
export class RunAborted extends Error {
  constructor(readonly reason: string) {
    super(`the process is stopping (${reason})`);
    this.name = 'RunAborted';
  }
}

export class ProcessSessions {
  readonly id = randomUUID();
  readonly host = os.hostname();
  readonly pid = process.pid;
  readonly heartbeatMs: number;
  private readonly runs = new Set<Tracked>();
  private readonly beats: Date[] = [];
  private beating: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped: Promise<void> | undefined;
  private failing = false;

  constructor(private readonly options: ProcessSessionsOptions) {
    this.heartbeatMs = options.heartbeatMs;
  }

  /** Starts beating (once); resolves after the first beat, so this process counts as alive. */
  start(): Promise<void> {
    this.beating ??= this.beat().then(() => this.schedule());
    return this.beating;
  }

  /** A run may own records only while this process has a heartbeat row: without one it counts as gone. */
  private async alive(): Promise<void> {
    await this.start();
    if (this.beats.length === 0) await this.beat();
    if (this.beats.length === 0)
      throw new AppError('SERVICE_UNAVAILABLE', 'the heartbeat of this process cannot be written');
  }

  /**
   * Registers a run and executes it: `body` gets the signal stop() aborts. Refused once stopping. The run is
   * registered before `body` starts, so before any InstanceSyncStarted of it names this process.
   */
  async run<T>(run: Run, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (this.stopped)
      throw new AppError('SERVICE_UNAVAILABLE', 'the service is stopping: no sync can start now');
    await this.alive();
    const abort = new AbortController();
    // Every attempt of the run listens to its signal: at a concurrency above 10 Node would warn of a leak.
    setMaxListeners(0, abort.signal);
    const tracked: Tracked = { ...run, abort, done: Promise.resolve() };
    this.runs.add(tracked);
    const done = (async () => {
      try {
        return await body(abort.signal);
      } finally {
        this.runs.delete(tracked);
      }
    })();
    tracked.done = done.catch(() => undefined);
    return done;
  }

  /** This process runs this record now (a registered run covers it). */
  holds(sessionId: string, instanceId: string): boolean {
    return [...this.runs].some(
      (r) => r.sessionId === sessionId && (r.scope === 'all' || r.scope.has(instanceId)),
    );
  }

  /** This process runs the whole session (its pending records are waiting for this process). */
  runsSession(sessionId: string): boolean {
    return [...this.runs].some((r) => r.sessionId === sessionId && r.scope === 'all');
  }

  /**
   * A heartbeat older than this (database time) belongs to a process that missed the last beats of this
   * one: it stopped, or cannot reach the store while this one can. Before this process has beaten
   * BEATS_KEPT times, beats older than three intervals before its first one.
   */
  staleBefore(): Date | undefined {
    const first = this.beats[0];
    if (!first) return undefined;
    if (this.beats.length >= BEATS_KEPT) return first;
    return new Date(first.getTime() - 3 * this.heartbeatMs);
  }

  /** Ends this process's records with `reason`, aborts its runs, deletes its heartbeat row. Idempotent. */
  stop(reason = 'shutdown'): Promise<void> {
    this.stopped ??= (async () => {
      const runs = [...this.runs];
      const notEnded = (err: unknown, sessionId: string) =>
        this.options.logger.error(
          { err, sessionId },
          `could not end this process's records (${reason}); the next start's recovery pass will`,
        );
      await settleWithin(
        runs.map((run) =>
          this.abandonOwned(run, reason).catch((err: unknown) => notEnded(err, run.sessionId)),
        ),
        STOP_GRACE_MS,
      );
      for (const run of runs) run.abort.abort(new RunAborted(reason));
      await settleWithin(
        runs.map((r) => r.done),
        STOP_GRACE_MS,
      );
      clearTimeout(this.timer);
      this.timer = undefined;
      if (!this.beating) return;
      await this.options
        .knex('process_heartbeats')
        .where({ process_id: this.id })
        .delete()
        .catch((err: unknown) => this.options.logger.warn({ err }, 'could not delete the heartbeat row'));
    })();
    return this.stopped;
  }

  private abandonOwned(run: Tracked, reason: string) {
    const owned = (state: SessionState): WriterCommand[] =>
      [...state.records]
        .filter(([instanceId, r]) => {
          if (run.scope !== 'all' && !run.scope.has(instanceId)) return false;
          if (r.status === 'running' || r.status === 'retrying') return r.owner === this.id;
          return r.status === 'pending' && run.scope === 'all' && state.owner === this.id;
        })
        .map(([instanceId]) => ({ type: 'AbandonRecord', instanceId, reason }));
    const ctx = {
      actor: { kind: 'system' as const, id: reason },
      correlationId: `${reason}-${this.id}`,
      now: new Date(),
    };
    return run.writer.executeWith(owned, ctx);
  }

  private schedule(): void {
    if (this.timer) return;
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.beat().finally(() => this.schedule());
    }, this.heartbeatMs);
    this.timer.unref();
  }

  private async beat(): Promise<void> {
    try {
      const { rows } = await this.options.knex.raw<{ rows: { beat_at: Date }[] }>(
        `INSERT INTO process_heartbeats (process_id, host, pid) VALUES (?, ?, ?)
         ON CONFLICT (process_id) DO UPDATE SET beat_at = now()
         RETURNING beat_at`,
        [this.id, this.host, this.pid],
      );
      this.beats.push(rows[0]!.beat_at);
      if (this.beats.length > BEATS_KEPT) this.beats.shift();
      if (this.failing) this.options.logger.info('the heartbeat is written again');
      this.failing = false;
    } catch (err) {
      if (!this.failing) this.options.logger.warn({ err }, 'could not write the heartbeat; trying again');
      this.failing = true;
    }
  }
}
