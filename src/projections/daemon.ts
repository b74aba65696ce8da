// Runs every projection of the service, each in its own runner.
import type { Knex } from 'knex';
import type { EventStore } from '../adapters/eventStore/port.js';
import type { Position } from '../domain/events/envelope.js';
import type { Logger } from '../logger.js';
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
}

export class ProjectionDaemon {
  readonly runners: readonly ProjectionRunner[];

  constructor(options: ProjectionDaemonOptions) {
    this.runners = options.projections.map(
      (projection) =>
        new ProjectionRunner({
          projection,
          store: options.store,
          knex: options.knex,
          logger: options.logger.child({ projection: projection.name }),
          decode: options.decode,
          batchSize: options.batchSize,
          idleWaitMs: options.idleWaitMs,
        }),
    );
  }

  start(): void {
    for (const r of this.runners) r.start();
  }

  async stop(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
  }

  status(): RunnerStatus[] {
    return this.runners.map((r) => r.status());
  }

  /** Resolves when every projection has applied the log up to `position`. */
  async waitForPosition(position: Position, timeoutMs?: number): Promise<void> {
    await Promise.all(this.runners.map((r) => r.waitForPosition(position, timeoutMs)));
  }
}
