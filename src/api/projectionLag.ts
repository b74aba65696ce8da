// Each projection's lag behind the event log, as /health/detailed reports it and GET /metrics exports it:
// the daemon's status (checkpoint, running, leader, last error) and the events after the checkpoint, read
// within a deadline and counted up to LAG_CAP.
import { formatPosition } from '../domain/events/envelope.js';
import { timed } from './deadline.js';
import type { ApiDeps } from './deps.js';

/** The lag is counted up to this many events (a larger lag reads as LAG_CAP, `lag_events_capped`). */
export const LAG_CAP = 1000;

export interface ProjectionLag {
  name: string;
  running: boolean;
  /** This process applies it; false: another process leads it and this one follows its checkpoint. */
  leader: boolean;
  checkpoint: string;
  /** null: the log could not be read in time, so the lag is not known. */
  lag_events: number | null;
  lag_events_capped: boolean;
  lag_seconds: number | null;
  last_error: string | null;
}

export function projectionLags(
  { queries, projections }: Pick<ApiDeps, 'queries' | 'projections'>,
  budgetMs: number,
): Promise<ProjectionLag[]> {
  return Promise.all(
    projections.status().map(async (p) => {
      const behind = await timed(budgetMs, () => queries.eventsAfter(p.checkpoint, LAG_CAP));
      const events = behind.value;
      const oldest = events?.[0];
      return {
        name: p.projection,
        running: p.running,
        leader: p.leader,
        checkpoint: formatPosition(p.checkpoint),
        lag_events: events ? events.length : null,
        lag_events_capped: (events?.length ?? 0) >= LAG_CAP,
        lag_seconds: !events
          ? null
          : oldest
            ? Math.max(0, Math.round((Date.now() - oldest.recordedAt.getTime()) / 1000))
            : 0,
        last_error: p.lastError ?? null,
      };
    }),
  );
}
