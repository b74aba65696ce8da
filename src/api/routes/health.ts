// /health: ping (liveness, public), ready (readiness, public), basic, detailed (database, event store,
// migrations, each projection's lag and whether this process leads it). Ready and detailed answer within
// their deadlines in every state: each check (src/api/healthChecks.ts, shared with the dashboard) races its
// own timer, and a call that loses is reported, not awaited.
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { ApiDeps } from '../deps.js';
import {
  databaseCheckSchema,
  eventStoreCheckSchema,
  healthChecks,
  healthReasons,
  migrationReasons,
  migrationsSchema,
  projectionLagSchema,
} from '../healthChecks.js';
import { defineRoute, type RouteDefinition } from '../route.js';

/** /health/ready answers within 1 s: its checks get this long. */
const READY_BUDGET_MS = 700;
/** /health/detailed answers within 2 s. */
const DETAILED_BUDGET_MS = 1500;

export function healthRoutes(deps: ApiDeps): RouteDefinition[] {
  const { version, database } = deps;
  const checks = healthChecks(deps);
  const started = Date.now();
  const basic = () => ({
    status: 'ok',
    version,
    uptime_seconds: Math.round((Date.now() - started) / 1000),
    time: new Date().toISOString(),
  });

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
        const m = db?.available === false ? undefined : await checks.migrations(READY_BUDGET_MS);
        if (m?.error) reasons.push(`the database did not answer: ${m.error}`);
        else if (m) reasons.push(...migrationReasons(m));
        const failing = checks.failingProjections();
        if (failing.length > 0) reasons.push(`projection(s) failing: ${failing.join(', ')}`);
        const answers = {
          database: { ok: db?.available !== false && !m?.error },
          migrations: { ok: m?.ok ?? false },
          projections: { ok: failing.length === 0, failing },
        };
        if (reasons.length > 0) {
          throw new AppError('SERVICE_UNAVAILABLE', 'The service is not ready.', {
            status: 'not_ready',
            reasons,
            checks: answers,
          });
        }
        return { data: { status: 'ready' as const, checks: answers } };
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
        database: databaseCheckSchema,
        event_store: eventStoreCheckSchema,
        migrations: migrationsSchema,
        projections: z.array(projectionLagSchema),
      }),
      handler: async () => {
        const [db, head, m, lags] = await Promise.all([
          checks.database(DETAILED_BUDGET_MS),
          checks.eventStore(DETAILED_BUDGET_MS),
          checks.migrations(DETAILED_BUDGET_MS),
          checks.projectionLags(DETAILED_BUDGET_MS),
        ]);
        const found = { database: db, event_store: head, migrations: m, projections: lags };
        const reasons = healthReasons(found);
        return {
          data: {
            ...basic(),
            status: reasons.length === 0 ? ('ok' as const) : ('degraded' as const),
            reasons,
            ...found,
          },
        };
      },
    }),
  ];
}
