// Runs every projection of the service, each in its own runner. With `leadership` (serve, and any process
// of the runtime), a runner leads only while this process holds its projection's advisory lock and
// follows the leader's checkpoint otherwise (several processes on one database: one applies each
// projection, every one answers reads and waitForPosition). Without it every runner leads (tests).
import type { Knex } from 'knex';
import type { EventStore } from '../adapters/eventStore/port.js';
import { formatPosition, type Position, type RecordedEvent } from '../domain/events/envelope.js';
import { AppError } from '../domain/errors.js';
import type { Logger } from '../logger.js';
import { ProjectionLeadership } from './leadership.js';
import type { Projection } from './projection.js';
import { ProjectionRunner, type Decode, type RunnerStatus } from './runner.js';

export interface ProjectionDaemonOptions {
  projections: readonly Projection[];
  store: EventStore;
  knex: Knex;
  logger: Logger;
  decode?: Decode;
  batchSize?: number;
  idleWaitMs?: number;
  /**
   * One leader per projection across the processes on this database: the locks are held on a connection
   * of their own to `connectionString`; a lock not held is tried again every retryMs.
   */
  leadership?: { connectionString: string; retryMs: number };
}

/**
 * Decodes each stored event once for every runner of the daemon. The runners one append wakes read the
 * same event objects (the store answers their identical reads with one query), and several runners handle
 * the same events (a PermissionsSynced: stream_catalog, instances, accounts); validating a big event
 * costs milliseconds each time. The decoded event is shared, as a rebuild shares it (rebuild.ts): a
 * projection reads events and never changes them.
 */
export function decodedOnce(decode: Decode): Decode {
  const decoded = new WeakMap<RecordedEvent, RecordedEvent>();
  return (event) => {
    let d = decoded.get(event);
    if (d === undefined) {
      d = decode(event);
      decoded.set(event, d);
    }
    return d;
  };
}

export class ProjectionDaemon {
  readonly runners: readonly ProjectionRunner[];
  private readonly leadership: ProjectionLeadership | undefined;
  private started = false;

  constructor(options: ProjectionDaemonOptions) {
    const decode = options.decode && decodedOnce(options.decode);
    this.runners = options.projections.map(
      (projection) =>
        new ProjectionRunner({
          projection,
          store: options.store,
          knex: options.knex,
          logger: options.logger.child({ projection: projection.name }),
          decode,
          batchSize: options.batchSize,
          idleWaitMs: options.idleWaitMs,
          followRefreshMs: options.leadership?.retryMs,
        }),
    );
    const byName = new Map(this.runners.map((r) => [r.projection.name, r]));
    this.leadership = options.leadership
      ? new ProjectionLeadership({
          connectionString: options.leadership.connectionString,
          retryMs: options.leadership.retryMs,
          names: [...byName.keys()],
          logger: options.logger,
          // A lock taken while stopping (a try already under way) is released with the rest by stop().
          onAcquired: (name) => {
            if (this.started) byName.get(name)?.start();
          },
          onLost: (name) => {
            if (this.started) byName.get(name)?.follow();
          },
        })
      : undefined;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    if (!this.leadership) {
      for (const r of this.runners) r.start();
      return;
    }
    for (const r of this.runners) r.follow();
    this.leadership.start();
  }

  /** Stops the runners (a batch in flight commits first), then frees the locks for a stand-by. */
  async stop(): Promise<void> {
    this.started = false;
    await this.leadership?.halt();
    await Promise.all(this.runners.map((r) => r.stop()));
    await this.leadership?.release();
  }

  /** The server process id of the connection holding this process's projection locks, when there is one. */
  get leadershipBackendPid(): number | undefined {
    return this.leadership?.backendPid;
  }

  status(): RunnerStatus[] {
    return this.runners.map((r) => r.status());
  }

  /**
   * Resolves when every projection has applied the log up to `position` (here or in the leading process).
   * The writes that wait here are committed already: a timeout is READ_TABLES_BEHIND (the change is in the
   * log, do not send it again), not an internal error a client would retry.
   */
  async waitForPosition(position: Position, timeoutMs?: number): Promise<void> {
    try {
      await Promise.all(this.runners.map((r) => r.waitForPosition(position, timeoutMs)));
    } catch (err) {
      throw new AppError(
        'READ_TABLES_BEHIND',
        undefined,
        { position: formatPosition(position) },
        { cause: err },
      );
    }
  }
}
