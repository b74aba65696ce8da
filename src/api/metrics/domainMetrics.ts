// whalefall's own metrics, read at scrape time: projection lag (the daemon's status and the event log, as
// /health/detailed reads it), and from the read tables the records per category and status, each
// instance's connection, the durations of collections, each job's last run. Read rather than counted in
// this process, because records and job runs are shared by every `serve` and `worker` (a worker serves no
// HTTP, so what it counted would never be scraped) and the tables outlive a restart: every `serve` answers
// the figures of the whole deployment. Each source answers within its budget or is left out of the scrape,
// and `whalefall_metrics_source_up{source}` says which.
import { Gauge, type Registry } from 'prom-client';
import type { Knex } from 'knex';
import {
  collectionDurations,
  instancesUp,
  jobLastRuns,
  recordCounts,
} from '../../projections/metricsQueries.js';
import { timed } from '../deadline.js';
import type { ApiDeps } from '../deps.js';
import { projectionLags } from '../projectionLag.js';
import { CountedHistogram } from './countedHistogram.js';

/** Each source of a scrape gets this long (like /health/detailed), the database query as long. */
export const SOURCE_BUDGET_MS = 1500;

/** Seconds: account syncs and capacity collections take from well under a second to minutes. */
export const COLLECTION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export const metricSources = [
  'projection_lag',
  'session_records',
  'instance_up',
  'collection_duration',
  'scheduler_runs',
] as const;
type Source = (typeof metricSources)[number];

export type DomainMetricsDeps = Pick<ApiDeps, 'knex' | 'queries' | 'projections' | 'database'>;

export function domainMetrics(registry: Registry, deps: DomainMetricsDeps) {
  const registers = [registry];
  const sourceUp = new Gauge({
    name: 'whalefall_metrics_source_up',
    help: '1 when the source of these metrics answered within its budget in this scrape, else 0 (its metrics are left out)',
    labelNames: ['source'],
    registers,
  });
  const lag = new Gauge({
    name: 'whalefall_projection_lag_events',
    help: 'Events of the log a projection has not applied yet (counted up to 1000)',
    labelNames: ['projection'],
    registers,
  });
  const records = new Gauge({
    name: 'whalefall_session_records_total',
    help: 'Records of sync sessions by category and their status now, from the read tables (a gauge: a record moves from status to status)',
    labelNames: ['category', 'status'],
    registers,
  });
  const up = new Gauge({
    name: 'whalefall_instance_up',
    help: "1 when an instance's last connection test or sync reached it, 0 when it failed (active instances with a known connection)",
    labelNames: ['instance', 'instance_id'],
    registers,
  });
  const durations = new CountedHistogram({
    name: 'whalefall_collection_duration_seconds',
    help: 'Duration of completed account-sync and capacity-collection records (their last attempt), by category and engine',
    labelNames: ['category', 'engine'],
    buckets: COLLECTION_BUCKETS,
    registers,
  });
  const lastRun = new Gauge({
    name: 'whalefall_scheduler_last_run_timestamp',
    help: "Unix time of a job's newest run (its end, or its start while running) per outcome; skipped and missed ticks too",
    labelNames: ['job', 'outcome'],
    registers,
  });

  const db =
    <T>(read: (knex: Knex, timeoutMs: number) => Promise<T>) =>
    () => {
      if (deps.database?.current.available === false)
        return Promise.reject(new Error('the database is unavailable'));
      return read(deps.knex, SOURCE_BUDGET_MS);
    };
  /** Sets a source's metrics from what it read; false: only part of them could be read. */
  type Apply = () => boolean | void;
  const sources: Record<Source, () => Promise<Apply>> = {
    projection_lag: async () => {
      const lags = await projectionLags(deps, SOURCE_BUDGET_MS);
      return () => {
        for (const l of lags) if (l.lag_events !== null) lag.set({ projection: l.name }, l.lag_events);
        // A projection whose lag could not be read in time is left out, and the source counts as down.
        return lags.every((l) => l.lag_events !== null);
      };
    },
    session_records: async () => {
      const rows = await db(recordCounts)();
      return () => {
        for (const r of rows) records.set({ category: r.category, status: r.status }, r.count);
      };
    },
    instance_up: async () => {
      const rows = await db(instancesUp)();
      return () => {
        for (const r of rows) up.set({ instance: r.name, instance_id: r.id }, r.up ? 1 : 0);
      };
    },
    collection_duration: async () => {
      const rows = await db((knex, ms) => collectionDurations(knex, COLLECTION_BUCKETS, ms))();
      return () =>
        durations.setSeries(
          rows.map((r) => ({
            labels: { category: r.category, engine: r.engine },
            buckets: r.buckets,
            count: r.count,
            sum: r.sumSeconds,
          })),
        );
    },
    scheduler_runs: async () => {
      const rows = await db(jobLastRuns)();
      return () => {
        for (const r of rows) lastRun.set({ job: r.job, outcome: r.outcome }, r.at.getTime() / 1000);
      };
    },
  };
  const metricsOf: Record<Source, { reset(): void }> = {
    projection_lag: lag,
    session_records: records,
    instance_up: up,
    collection_duration: durations,
    scheduler_runs: lastRun,
  };

  return {
    /** Reads every source (at once, each within its budget) and sets the metrics the next scrape writes. */
    async refresh(): Promise<void> {
      const results = await Promise.all(
        metricSources.map(async (source) => ({
          source,
          read: await timed(SOURCE_BUDGET_MS, sources[source]),
        })),
      );
      for (const { source, read } of results) {
        // Series of instances, jobs or statuses that are gone leave with the reset.
        metricsOf[source].reset();
        const complete = read.ok && read.value !== undefined && read.value() !== false;
        sourceUp.set({ source }, complete ? 1 : 0);
      }
    },
  };
}
