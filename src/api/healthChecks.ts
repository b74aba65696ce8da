// The checks behind /health and the dashboard (/dashboard/overview, /dashboard/status): the database and
// the event store answer, the migrations are current, and each projection's lag. Each check races its own
// timer, and one that loses is reported, not awaited, so the routes answer within their deadlines.
import { z } from 'zod';
import { formatPosition } from '../domain/events/envelope.js';
import { timed } from './deadline.js';
import type { ApiDeps } from './deps.js';
import { LAG_CAP, projectionLags, type ProjectionLag } from './projectionLag.js';

export type { ProjectionLag };

export const migrationsSchema = z.object({
  ok: z.boolean(),
  pending: z.array(z.string()),
  unknown: z.array(z.string()),
  error: z.string().optional(),
});

export const projectionLagSchema = z.object({
  name: z.string(),
  running: z.boolean(),
  /** This process applies it; false: another process leads it and this one follows its checkpoint. */
  leader: z.boolean(),
  checkpoint: z.string(),
  lag_events: z.number().nullable().describe('null: the log could not be read in time'),
  lag_events_capped: z.boolean().describe(`true: at least ${LAG_CAP} events behind (counted up to that)`),
  lag_seconds: z.number().nullable().describe('age of the oldest event not applied yet; 0 when caught up'),
  last_error: z.string().nullable(),
});

export const databaseCheckSchema = z.object({
  ok: z.boolean(),
  latency_ms: z.number(),
  error: z.string().optional(),
});

export const eventStoreCheckSchema = databaseCheckSchema.extend({ head_position: z.string().nullable() });

export type Migrations = z.infer<typeof migrationsSchema>;

export function healthChecks({ queries, projections }: Pick<ApiDeps, 'queries' | 'projections'>) {
  return {
    /** A round trip to the database. */
    database: async (ms: number): Promise<z.infer<typeof databaseCheckSchema>> => {
      const db = await timed(ms, () => queries.pingDatabase());
      return { ok: db.ok, latency_ms: db.latency_ms, ...(db.error ? { error: db.error } : {}) };
    },
    /** The head of the log, as readers see it. */
    eventStore: async (ms: number): Promise<z.infer<typeof eventStoreCheckSchema>> => {
      const head = await timed(ms, () => queries.headPosition());
      return {
        ok: head.ok,
        latency_ms: head.latency_ms,
        head_position: head.value ? formatPosition(head.value) : null,
        ...(head.error ? { error: head.error } : {}),
      };
    },
    /** Migrations this code has and the database lacks, or the other way round. */
    migrations: async (ms: number): Promise<Migrations> => {
      const drift = await timed(ms, () => queries.migrationDrift());
      const { pending = [], unknown = [] } = drift.value ?? {};
      return {
        ok: drift.ok && pending.length === 0 && unknown.length === 0,
        pending,
        unknown,
        ...(drift.error ? { error: drift.error } : {}),
      };
    },
    /** Each projection of this process: how far behind the log it is (read up to LAG_CAP events). */
    projectionLags: (ms: number): Promise<ProjectionLag[]> => projectionLags({ queries, projections }, ms),
    /** The projections failing or not running (no database call). */
    failingProjections: (): string[] =>
      projections
        .status()
        .filter((p) => p.lastError !== undefined || !p.running)
        .map((p) => p.projection),
  };
}

/** Why the migrations are not current, in words. */
export const migrationReasons = (m: Migrations): string[] => [
  ...(m.pending.length > 0 ? [`${m.pending.length} migration(s) not applied`] : []),
  ...(m.unknown.length > 0
    ? [`the database has ${m.unknown.length} migration(s) this version does not know`]
    : []),
];

/** What is wrong, in words, from the checks' answers ([] when all is well). */
export const healthReasons = (h: {
  database: { ok: boolean; error?: string | undefined };
  event_store: { ok: boolean; error?: string | undefined };
  migrations: Migrations;
  projections: readonly ProjectionLag[];
}): string[] => [
  ...(h.database.ok ? [] : [`database: ${h.database.error}`]),
  ...(h.event_store.ok ? [] : [`event store: ${h.event_store.error}`]),
  ...(h.migrations.error ? [`migrations: ${h.migrations.error}`] : migrationReasons(h.migrations)),
  ...h.projections.filter((l) => l.last_error).map((l) => `projection ${l.name}: ${l.last_error}`),
  ...h.projections.filter((l) => !l.running).map((l) => `projection ${l.name} is not running`),
];
