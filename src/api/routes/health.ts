// /health: ping (liveness, public), ready (readiness, public), basic, detailed (database, event store,
// migrations, each projection's lag and whether this process leads it). Ready and detailed answer within their deadlines in every state:
// each database call races its own timer, and a call that loses is reported, not awaited.
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import { formatPosition } from '../../domain/events/envelope.js';
import { timed } from '../deadline.js';
import type { ApiDeps } from '../deps.js';
import { projectionLags } from '../projectionLag.js';
import { defineRoute, type RouteDefinition } from '../route.js';

/** /health/ready answers within 1 s: its checks get this long. */
const READY_BUDGET_MS = 700;
/** /health/detailed answers within 2 s. */
const DETAILED_BUDGET_MS = 1500;

const migrationsSchema = z.object({
  ok: z.boolean(),
  pending: z.array(z.string()),
  unknown: z.array(z.string()),
  error: z.string().optional(),
});

export function healthRoutes({ queries, projections, version, database }: ApiDeps): RouteDefinition[] {
  const started = Date.now();
  const basic = () => ({
    status: 'ok',
    version,
    uptime_seconds: Math.round((Date.now() - started) / 1000),
    time: new Date().toISOString(),
  });
  /** Migrations this code has and the database lacks, or the other way round. */
  const migrations = async (ms: number) => {
    const drift = await timed(ms, () => queries.migrationDrift());
    const { pending = [], unknown = [] } = drift.value ?? {};
    return {
      ok: drift.ok && pending.length === 0 && unknown.length === 0,
      pending,
      unknown,
      ...(drift.error ? { error: drift.error } : {}),
    };
  };
  const migrationReasons = (m: Awaited<ReturnType<typeof migrations>>) => [
    ...(m.pending.length > 0 ? [`${m.pending.length} migration(s) not applied`] : []),
    ...(m.unknown.length > 0
      ? [`the database has ${m.unknown.length} migration(s) this version does not know`]
      : []),
  ];
  const failingProjections = () =>
    projections
      .status()
      .filter((p) => p.lastError !== undefined || !p.running)
      .map((p) => p.projection);

  return [
    defineRoute({
      method: 'get',
      path: '/health/ping',
      tag: 'health',
      summary: 'Liveness: answers without touching anything',
      access: 'public',
      response: z.object({ status: z.literal('ok') }),
      handler: () => Promise.resolve({ data: { status: 'ok' as const }, message: 'pong' }),
    }),
    defineRoute({
      method: 'get',
      path: '/health/ready',
      tag: 'health',
      summary:
        'Readiness within 1 s: database answers, migrations current, no projection failing (else 503, with reasons)',
      access: 'public',
      response: z.object({
        status: z.literal('ready'),
        checks: z.object({
          database: z.object({ ok: z.boolean() }),
          migrations: z.object({ ok: z.boolean() }),
          projections: z.object({ ok: z.boolean(), failing: z.array(z.string()) }),
        }),
      }),
      handler: async () => {
        const db = database?.current;
        const reasons: string[] = [];
        if (db && !db.available) reasons.push(db.reason ?? 'the database is unavailable');
        // The migration query is also the round trip that shows the database answers through the pool.
        const m = db?.available === false ? undefined : await migrations(READY_BUDGET_MS);
        if (m?.error) reasons.push(`the database did not answer: ${m.error}`);
        else if (m) reasons.push(...migrationReasons(m));
        const failing = failingProjections();
        if (failing.length > 0) reasons.push(`projection(s) failing: ${failing.join(', ')}`);
        const checks = {
          database: { ok: db?.available !== false && !m?.error },
          migrations: { ok: m?.ok ?? false },
          projections: { ok: failing.length === 0, failing },
        };
        if (reasons.length > 0) {
          throw new AppError('SERVICE_UNAVAILABLE', 'The service is not ready.', {
            status: 'not_ready',
            reasons,
            checks,
          });
        }
        return { data: { status: 'ready' as const, checks } };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/health/basic',
      tag: 'health',
      summary: 'Version and uptime',
      access: { permission: 'view' },
      response: z.object({
        status: z.string(),
        version: z.string(),
        uptime_seconds: z.number(),
        time: z.string(),
      }),
      handler: () => Promise.resolve({ data: basic() }),
    }),
    defineRoute({
      method: 'get',
      path: '/health/detailed',
      tag: 'health',
      summary:
        "Database, event store, migrations and each projection's lag, within 2 s; 'degraded' with the reasons when something is wrong",
      access: { permission: 'view' },
      response: z.object({
        status: z.enum(['ok', 'degraded']),
        reasons: z.array(z.string()),
        version: z.string(),
        uptime_seconds: z.number(),
        time: z.string(),
        database: z.object({ ok: z.boolean(), latency_ms: z.number(), error: z.string().optional() }),
        event_store: z.object({
          ok: z.boolean(),
          latency_ms: z.number(),
          head_position: z.string().nullable(),
          error: z.string().optional(),
        }),
        migrations: migrationsSchema,
        projections: z.array(
          z.object({
            name: z.string(),
            running: z.boolean(),
            /** This process applies it; false: another process leads it and this one follows its checkpoint. */
            leader: z.boolean(),
            checkpoint: z.string(),
            lag_events: z.number().nullable(),
            lag_events_capped: z.boolean(),
            lag_seconds: z.number().nullable(),
            last_error: z.string().nullable(),
          }),
        ),
      }),
      handler: async () => {
        const [db, head, m, lags] = await Promise.all([
          timed(DETAILED_BUDGET_MS, () => queries.pingDatabase()),
          timed(DETAILED_BUDGET_MS, () => queries.headPosition()),
          migrations(DETAILED_BUDGET_MS),
          projectionLags({ queries, projections }, DETAILED_BUDGET_MS),
        ]);
        const reasons = [
          ...(db.ok ? [] : [`database: ${db.error}`]),
          ...(head.ok ? [] : [`event store: ${head.error}`]),
          ...(m.error ? [`migrations: ${m.error}`] : migrationReasons(m)),
          ...lags.filter((l) => l.last_error).map((l) => `projection ${l.name}: ${l.last_error}`),
          ...lags.filter((l) => !l.running).map((l) => `projection ${l.name} is not running`),
        ];
        return {
          data: {
            ...basic(),
            status: reasons.length === 0 ? ('ok' as const) : ('degraded' as const),
            reasons,
            database: {
              ok: db.ok,
              latency_ms: db.latency_ms,
              ...(db.error ? { error: db.error } : {}),
            },
            event_store: {
              ok: head.ok,
              latency_ms: head.latency_ms,
              head_position: head.value ? formatPosition(head.value) : null,
              ...(head.error ? { error: head.error } : {}),
            },
            migrations: m,
            projections: lags,
          },
        };
      },
    }),
  ];
}
